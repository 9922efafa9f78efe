{#- One row per step (grain: step_id): the accepted, non-blank lines of the trace, duplicates
    kept, in file order. The trace's own ids keep their meaning in their names (source_*);
    token counts are BIGINT. #}

with

trace_lines as (

    select *
    from {{ ref('base_trace__lines') }}
    where step_id is not null

),

trace_files as (

    select
        source_file,
        first_input_row
    from {{ ref('base_trace__files') }}

),

lines_located as (

    select
        trace_lines.*,
        trace_lines.input_row - trace_files.first_input_row + 1 as line_number
    from trace_lines
    inner join trace_files
        on trace_lines.source_file = trace_files.source_file

),

final as (

    select
        step_id,
        source_file,
        line_number as source_line_number,
        provider,
        project,
        session_id,
        session_file,
        round_index,
        round_id as source_round_id,
        turn_id as source_turn_id,
        trace_key as source_trace_key,
        model,
        store,
        home,
        {{ adapter.quote('user') }} as user_name,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        output_tokens,
        reasoning_output_tokens,
        claude_uncached_input_tokens,
        claude_cache_creation_input_tokens,
        claude_cache_read_input_tokens,
        current_input_event_count,
        current_user_message_count,
        current_tool_result_count,
        current_user_message_chars,
        current_tool_result_chars,
        current_input_chars,
        first_input_event_type,
        first_timing_event_type,
        timing_event_count,
        tool_call_count,
        unparseable_timestamp_count
    from lines_located

)

select * from final
