{% macro share_pct(part, whole) -%}
    {#- docs/method.md: a share is part / whole in double precision, then multiplied by 100;
        undefined (NULL) when the whole is 0. -#}
    case
        when {{ whole }} = 0 then null
        else cast({{ part }} as double) / cast({{ whole }} as double) * cast(100 as double)
    end
{%- endmacro %}
