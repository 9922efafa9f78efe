{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}
    {#- Rows whose value lies outside [min_value, max_value] (or the open interval when
        inclusive is false). NULLs are left to not_null. -#}
    select {{ column_name }} as value_out_of_range
    from {{ model }}
    where {{ column_name }} is not null
        {%- if where %} and ({{ where }}){% endif %}
        and (
            1 = 0
            {%- if min_value is not none %}
            or {{ column_name }} {{ "<" if inclusive else "<=" }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            or {{ column_name }} {{ ">" if inclusive else ">=" }} {{ max_value }}
            {%- endif %}
        )
{% endtest %}
