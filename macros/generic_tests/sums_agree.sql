{% test sums_agree(model, expression, compare_model, compare_expression, where=none, compare_where=none, relative_tolerance=0) %}
    {#- Fails (one row) when the sum of `expression` over the model (optionally filtered)
        differs from the sum of `compare_expression` over the other relation by more than
        relative_tolerance of the larger (0: exactly). An empty sum counts as 0. -#}
    with

    model_summed as (
        select coalesce(sum({{ expression }}), 0) as total from {{ model }}
        {%- if where %} where {{ where }}{% endif %}
    ),

    compare_summed as (
        select coalesce(sum({{ compare_expression }}), 0) as total from {{ compare_model }}
        {%- if compare_where %} where {{ compare_where }}{% endif %}
    )

    select
        model_summed.total as model_total,
        compare_summed.total as compare_total
    from model_summed
    cross join compare_summed
    where abs(cast(model_summed.total as double) - cast(compare_summed.total as double))
        > {{ relative_tolerance }} * greatest(abs(cast(model_summed.total as double)), abs(cast(compare_summed.total as double)))
{% endtest %}
