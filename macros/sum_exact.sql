{#- Exact sums and a deterministic mean. -#}

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


{% macro ratio_piece(ratio, piece) -%}
    {#- The piece-th 26-bit slice of a ratio in [0, 1] as an integer: floor((r * 2^(26 piece))
        mod 2^26). Scaling by a power of two, fmod and floor are exact in IEEE doubles, so the
        six slices (piece 0 to 5) hold every bit of any ratio p / (p + a) of 64-bit counts. -#}
    cast(floor(({{ ratio }}{% for _ in range(piece) %} * cast(67108864 as double){% endfor %}) % cast(67108864 as double)) as bigint)
{%- endmacro %}


{% macro mean_of_ratios(ratio) -%}
    {#- The arithmetic mean of ratios in [0, 1], the same on every run and every engine: each
        ratio is cut into six exact 26-bit integer slices (ratio_piece), each slice summed exactly
        (a sum stays below 2^53 for up to 2^27 values, so it converts to a double exactly), and
        the six sums are put together by IEEE double operations on exact operands, smallest
        first, then divided by the count. A plain avg() adds doubles in whatever order the
        threads deliver them, so its last bits change from run to run. NULL for no rows. -#}
    case
        when count({{ ratio }}) = 0 then null
        else (
            {%- for piece in range(6) %}
            cast({{ sum_exact(ratio_piece(ratio, piece)) }} as double){% for _ in range(piece) %} * cast(1.4901161193847656e-08 as double){% endfor %}
            {%- if not loop.last %} + ({% endif %}
            {%- endfor %}
            {%- for piece in range(5) %}){% endfor %}
        ) / cast(count({{ ratio }}) as double)
    end
{%- endmacro %}


{% macro sum_decimal(expression) -%}
    {#- The sum of doubles (dollars, seconds) whatever the rows' order: each term rounded to
        18 decimal places, added exactly as decimal(38, 18), the total read back as a double.
        A plain sum of doubles depends on the order the engine adds them in (the last digits
        of a total would change between two builds of the same input). -#}
    cast(sum(cast({{ expression }} as decimal(38, 18))) as double)
{%- endmacro %}
