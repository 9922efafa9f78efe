{% macro trace_input() -%}
    {#- Which input the run reads: `trace` (normalized JSONL, var trace), `trace_db` (a prebuilt
        trace database, var trace_database) or `agent_logs` (raw Claude Code / Codex logs).
        From var('input') or TRACE_ATLAS_INPUT; default `trace`. -#}
    {%- set kind = var('input', env_var('TRACE_ATLAS_INPUT', 'trace')) | string | trim | lower -%}
    {%- if kind not in ['trace', 'trace_db', 'agent_logs'] -%}
        {{ exceptions.raise_compiler_error("TRACE_ATLAS_INPUT must be trace, trace_db or agent_logs, got '" ~ kind ~ "'.") }}
    {%- endif -%}
    {{ return(kind) }}
{%- endmacro %}
