{% macro on_bad_lines() -%}
    {#- What a rejected line does: `strict` (default) stops the run at the first one, naming its
        file and line; `quarantine` sets rejected lines aside and goes on. Both modes build the
        same data with the same SQL; strict is the failing test no_rejected_lines. -#}
    {%- set mode = var('on_bad_lines', env_var('TRACE_ATLAS_ON_BAD_LINES', 'strict')) | string | trim | lower -%}
    {%- if mode not in ['strict', 'quarantine'] -%}
        {{ exceptions.raise_compiler_error("on_bad_lines must be strict or quarantine, got '" ~ mode ~ "' (set ON_BAD_LINES=strict|quarantine).") }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}
