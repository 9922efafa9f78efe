{#- The bill and the miss ledger (docs/method.md): the times they write, engine by engine. -#}

{% macro utc_text_of_us(value) -%}
    {{ return(adapter.dispatch('utc_text_of_us', 'trace_atlas')(value)) }}
{%- endmacro %}

{% macro duckdb__utc_text_of_us(value) -%}
    {#- Microseconds since 1970 as ISO 8601 in UTC with six decimals (`2026-06-01T05:40:20.151000Z`). -#}
    strftime(make_timestamp(cast({{ value }} as bigint)), '%Y-%m-%dT%H:%M:%S.%fZ')
{%- endmacro %}

{% macro spark__utc_text_of_us(value) -%}
    -- the session time zone is UTC (profiles.yml)
    date_format(timestamp_micros(cast({{ value }} as bigint)), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
{%- endmacro %}


{% macro utc_day_of_us(value) -%}
    {{ return(adapter.dispatch('utc_day_of_us', 'trace_atlas')(value)) }}
{%- endmacro %}

{% macro duckdb__utc_day_of_us(value) -%}
    {#- The UTC calendar day of microseconds since 1970, as `YYYY-MM-DD`. -#}
    strftime(make_timestamp(cast({{ value }} as bigint)), '%Y-%m-%d')
{%- endmacro %}

{% macro spark__utc_day_of_us(value) -%}
    date_format(timestamp_micros(cast({{ value }} as bigint)), 'yyyy-MM-dd')
{%- endmacro %}
