{#- The method's percentile (docs/method.md) by linear interpolation between closest ranks, bit for bit: with the n
    values of a group sorted ascending (0-based), i = (n - 1) * q in double precision,
    lo = floor(i), hi = ceil(i); v[lo] when lo = hi, else v[lo] * (hi - i) + v[hi] * (i - lo),
    evaluated in that order. -#}

{% macro percentile_linear(position, lower_rank, upper_rank, lower_value, upper_value) -%}
    {#- The interpolation itself, given the position i, the ranks lo and hi around it and the
        values at those ranks. -#}
    case
        when {{ lower_rank }} = {{ upper_rank }} then {{ lower_value }}
        else {{ lower_value }} * (cast({{ upper_rank }} as double) - {{ position }})
            + {{ upper_value }} * ({{ position }} - cast({{ lower_rank }} as double))
    end
{%- endmacro %}
