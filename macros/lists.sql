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
