{#- Nested-list access that differs between engines. -#}

{% macro list_length(list_column) -%}
    {{ return(adapter.dispatch('list_length', 'trace_atlas')(list_column)) }}
{%- endmacro %}

{% macro default__list_length(list_column) -%}
    {#- 0 for a missing, null or empty list. -#}
    coalesce(size({{ list_column }}), 0)
{%- endmacro %}

{% macro duckdb__list_length(list_column) -%}
    {#- DuckDB names it len(); NULL for a NULL list, hence the coalesce. -#}
    coalesce(len({{ list_column }}), 0)
{%- endmacro %}


{% macro first_element_field(list_column, field) -%}
    {{ return(adapter.dispatch('first_element_field', 'trace_atlas')(list_column, field)) }}
{%- endmacro %}

{% macro default__first_element_field(list_column, field) -%}
    {#- Lists are 0-based in Spark SQL; an out-of-range index gives NULL. -#}
    {{ list_column }}[0].{{ field }}
{%- endmacro %}

{% macro duckdb__first_element_field(list_column, field) -%}
    {#- Lists are 1-based in DuckDB; an out-of-range index gives NULL. -#}
    {{ list_column }}[1].{{ field }}
{%- endmacro %}
