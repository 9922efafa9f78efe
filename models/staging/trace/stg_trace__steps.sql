{{ config(materialized='view') }}

{#- One row per step of the normalized trace (grain: step_id): the accepted lines of
    stg_trace__lines, duplicates kept, renamed to the steps contract (the trace's own ids keep
    their meaning in their names: source_round_id, ...). step_id orders the steps by file (in
    sorted file-name order) then line: the file's rank times 2^32 plus the line number (the
    lines of a file are numbered in the file alone, so an incremental build never renumbers
    them). is_subagent is the line's own (NULL when it has none: a main session's step); the
    cache write split (NULL both when the line has none) is read by int_step_cache_writes. #}

with

trace_lines as (

    select *
    from {{ ref('stg_trace__lines') }}
    where not is_blank and rejection_reason is null

),

trace_files as (

    select
        source_file,
        file_rank
    from {{ ref('stg_trace__files') }}

),

final as (

    select
        {{ trace_step_id("trace_files.file_rank", "trace_lines.line_number") }} as step_id,
        trace_lines.source_file,
        trace_lines.line_number as source_line_number,
        trace_lines.provider,
        trace_lines.project,
        trace_lines.session_id,
        trace_lines.session_file,
        trace_lines.round_index,
        trace_lines.round_id as source_round_id,
        trace_lines.turn_id as source_turn_id,
        trace_lines.trace_key as source_trace_key,
        trace_lines.model,
        trace_lines.store,
        trace_lines.home,
        trace_lines.{{ adapter.quote('user') }} as user_name,
        trace_lines.input_tokens_total,
        trace_lines.prefix_tokens,
        trace_lines.newly_append_tokens,
        trace_lines.output_tokens,
        trace_lines.reasoning_output_tokens,
        trace_lines.claude_uncached_input_tokens,
        trace_lines.claude_cache_creation_input_tokens,
        trace_lines.claude_cache_read_input_tokens,
        trace_lines.current_input_event_count,
        trace_lines.current_user_message_count,
        trace_lines.current_tool_result_count,
        trace_lines.current_user_message_chars,
        trace_lines.current_tool_result_chars,
        trace_lines.current_input_chars,
        trace_lines.first_input_event_type,
        trace_lines.first_timing_event_type,
        trace_lines.timing_event_count,
        trace_lines.tool_call_count,
        trace_lines.is_subagent,
        trace_lines.claude_cache_creation_5m_input_tokens,
        trace_lines.claude_cache_creation_1h_input_tokens
    from trace_lines
    inner join trace_files
        on trace_lines.source_file = trace_files.source_file

)

select * from final
