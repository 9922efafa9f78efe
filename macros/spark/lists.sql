{#- Spark variant of the list helper (macros/lists.sql). -#}

{% macro spark__list_length(list_column) -%}
    {#- size() of a null list is -1, not NULL, while ANSI mode is off (dbt-spark always turns it
        off: spark.sql.legacy.sizeOfNull), so coalesce() would not catch it. -#}
    case when {{ list_column }} is null then 0 else size({{ list_column }}) end
{%- endmacro %}
