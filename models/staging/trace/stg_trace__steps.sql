{{ config(materialized='table') }}

-- depends_on: {{ source('trace', 'steps') }}

{#- The one scan of the trace: every line becomes a step, duplicates kept. step_id numbers the
    steps in file order (sorted file names, then line order); only the first timing event is
    extracted from the nested lists, the full lists stay in the trace for the event-level views. #}

with

trace_lines as (

    select
        row_number() over () as step_id,
        filename as source_file,
        provider,
        project,
        session_id,
        session_file,
        round_index,
        round_id,
        turn_id,
        trace_key,
        model,
        store,
        home,
        "user",
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
        {{ first_element_field('timing_events', 'event_type') }} as first_timing_event_type,
        {{ list_length('timing_events') }} as timing_event_count,
        {{ list_length('tools') }} as tool_call_count
    from {{ read_trace() }}

),

final as (

    select
        step_id,
        source_file,
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
        "user" as user_name,
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
        tool_call_count
    from trace_lines

)

select * from final
