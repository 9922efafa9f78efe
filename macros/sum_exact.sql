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


{% macro mean_of_ratios(value) -%}
    {#- The arithmetic mean of doubles in [0, 1], the same on every run and every engine: each
        value r is split into two exact integers, hi = floor(r * 2^62) and
        lo = (r * 2^62 - hi) * 2^53 (exact for r >= 2^-63, which every ratio p / (p + a) with
        64-bit counts is), summed exactly (sum_exact), and only the two sums become doubles.
        A plain avg() adds doubles in whatever order the threads deliver them, so its last bits
        change from run to run. NULL for no rows. -#}
    {%- set scaled = '(' ~ value ~ ') * cast(4611686018427387904 as double)' %}
    case
        when count({{ value }}) = 0 then null
        else (
            cast({{ sum_exact('cast(floor(' ~ scaled ~ ') as bigint)') }} as double)
            * cast('2.168404344971009e-19' as double)
            + cast({{ sum_exact('cast((' ~ scaled ~ ' - floor(' ~ scaled ~ ')) * cast(9007199254740992 as double) as bigint)') }} as double)
            * cast('2.407412430484045e-35' as double)
        ) / cast(count({{ value }}) as double)
    end
{%- endmacro %}
