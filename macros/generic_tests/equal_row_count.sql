{% test equal_row_count(model, compare_model, where=none, compare_where=none) %}
    {#- Fails (one row) when the two relations, each optionally filtered, differ in row count. -#}
    with

    model_counted as (
        select count(*) as row_count from {{ model }}
        {%- if where %} where {{ where }}{% endif %}
    ),

    compare_counted as (
        select count(*) as row_count from {{ compare_model }}
        {%- if compare_where %} where {{ compare_where }}{% endif %}
    )

    select
        model_counted.row_count as model_rows,
        compare_counted.row_count as compare_rows
    from model_counted
    cross join compare_counted
    where model_counted.row_count <> compare_counted.row_count
{% endtest %}
