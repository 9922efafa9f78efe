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

{% macro steps_contract_columns(exclude=[]) -%}
    {#- The columns of the steps contract (int_steps_unioned), in its order: written once here for
        the models that pass steps through unchanged; the contract in _steps__models.yml types
        them and fails a build whose columns differ. -#}
    {%- set columns = [
        'step_id', 'source_file', 'source_line_number', 'provider', 'project', 'session_id',
        'session_file', 'round_index', 'source_round_id', 'source_turn_id', 'source_trace_key',
        'model', 'store', 'home', 'user_name', 'input_tokens_total', 'prefix_tokens',
        'newly_append_tokens', 'output_tokens', 'reasoning_output_tokens',
        'claude_uncached_input_tokens', 'claude_cache_creation_input_tokens',
        'claude_cache_read_input_tokens', 'current_input_event_count',
        'current_user_message_count', 'current_tool_result_count', 'current_user_message_chars',
        'current_tool_result_chars', 'current_input_chars', 'first_input_event_type',
        'first_timing_event_type', 'timing_event_count', 'tool_call_count', 'is_subagent'
    ] -%}
    {{ return(columns | reject('in', exclude) | list) }}
{%- endmacro %}
