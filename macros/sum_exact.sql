{% macro sum_exact(expression) -%}
    {{ return(adapter.dispatch('sum_exact', 'trace_atlas')(expression)) }}
{%- endmacro %}

{% macro default__sum_exact(expression) -%}
    {#- 38 decimal digits: sums of 64-bit token counts that cannot overflow. -#}
    coalesce(sum(cast({{ expression }} as decimal(38, 0))), 0)
{%- endmacro %}

{% macro duckdb__sum_exact(expression) -%}
    {#- DuckDB already sums BIGINT into a 128-bit HUGEINT, exactly. -#}
    coalesce(sum({{ expression }}), 0)
{%- endmacro %}
