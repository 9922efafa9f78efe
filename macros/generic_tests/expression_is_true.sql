{% test expression_is_true(model, expression, column_name=none, where=none) %}
    {#- Rows for which the boolean expression is not true (false or NULL). With column_name,
        the expression is applied to that column, e.g. expression: ">= 0". -#}
    select *
    from {{ model }}
    where
        {%- if where %} ({{ where }}) and {% endif %}
        not coalesce(
            {%- if column_name %}{{ column_name }} {% endif %}{{ expression }},
            false
        )
{% endtest %}
