{% macro seed_rows(seed_name, order_by) -%}
    {#- The rows of a seed as a list of dicts, for the few models whose column list follows a
        seed (one column per quantile or hit-ratio threshold). Empty while dbt parses. -#}
    {%- set rows = [] -%}
    {%- if execute and load_relation(ref(seed_name)) is not none -%}
        {%- set result = run_query("select * from " ~ ref(seed_name) ~ " order by " ~ order_by) -%}
        {%- for row in result.rows -%}
            {%- do rows.append(dict(zip(result.column_names, row))) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}


{% macro group_label(column, all_groups_label) -%}
    {#- The group a GROUP BY CUBE row belongs to: the column's value, or the label of the set that
        rolls it up (scope `merged`, trigger `all`). -#}
    case when grouping({{ column }}) = 1 then '{{ all_groups_label }}' else {{ column }} end
{%- endmacro %}
