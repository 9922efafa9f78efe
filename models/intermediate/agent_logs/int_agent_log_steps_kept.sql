{#- One row per kept step of the raw logs (grain: step_id): the agent_logs input of the steps
    contract (int_steps_unioned), plus what the normalized export writes beyond it (cwd, and the
    step's file path). The input summaries are counted from the step's own timing events
    (R7.3), so they agree with the events the export writes. TraceLab's session_file, home,
    user and store describe the collecting machine: session_file is the relative source_file,
    the rest null (R7.6). #}

with

kept_steps as (

    select
        step_id,
        source_path,
        source_file,
        source_line,
        provider,
        project,
        session_id,
        round_index,
        round_id,
        turn_id,
        model,
        cwd,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        output_tokens,
        reasoning_output_tokens,
        claude_uncached_input_tokens,
        claude_cache_creation_input_tokens,
        claude_cache_read_input_tokens,
        is_subagent
    from {{ ref('int_agent_log_steps_deduplicated') }}
    where step_id is not null

),

events as (

    select
        step_id,
        event_index,
        event_type,
        content_chars,
        result_chars
    from {{ ref('int_timing_events_unioned') }}

),

tools as (

    select step_id
    from {{ ref('int_tool_calls_unioned') }}

),

events_summarized as (

    select
        step_id,
        count(*) as timing_event_count,
        sum(case when event_type = 'user_message' then 1 else 0 end) as current_user_message_count,
        sum(case when event_type = 'tool_result' then 1 else 0 end) as current_tool_result_count,
        sum(case when event_type = 'user_message' then coalesce(content_chars, 0) else 0 end) as current_user_message_chars,
        sum(case when event_type = 'tool_result' then coalesce(result_chars, 0) else 0 end) as current_tool_result_chars,
        max(case when event_index = 1 then event_type end) as first_timing_event_type,
        min(case when event_type in ('user_message', 'tool_result') then event_index end) as first_input_event_index
    from events
    group by step_id

),

first_inputs as (

    select
        events.step_id,
        events.event_type as first_input_event_type
    from events
    inner join events_summarized
        on events.step_id = events_summarized.step_id and events.event_index = events_summarized.first_input_event_index

),

tools_counted as (

    select
        step_id,
        count(*) as tool_call_count
    from tools
    group by step_id

),

final as (

    select
        kept_steps.step_id,
        kept_steps.source_file,
        cast(kept_steps.source_line as bigint) as source_line_number,
        kept_steps.provider,
        kept_steps.project,
        kept_steps.session_id,
        kept_steps.source_file as session_file,
        cast(kept_steps.round_index as bigint) as round_index,
        kept_steps.round_id as source_round_id,
        kept_steps.turn_id as source_turn_id,
        kept_steps.provider || ':' || kept_steps.session_id || ':' || kept_steps.round_id as source_trace_key,
        kept_steps.model,
        cast(null as string) as store,
        cast(null as string) as home,
        cast(null as string) as user_name,
        cast(kept_steps.input_tokens_total as bigint) as input_tokens_total,
        cast(kept_steps.prefix_tokens as bigint) as prefix_tokens,
        cast(kept_steps.newly_append_tokens as bigint) as newly_append_tokens,
        cast(kept_steps.output_tokens as bigint) as output_tokens,
        cast(kept_steps.reasoning_output_tokens as bigint) as reasoning_output_tokens,
        cast(kept_steps.claude_uncached_input_tokens as bigint) as claude_uncached_input_tokens,
        cast(kept_steps.claude_cache_creation_input_tokens as bigint) as claude_cache_creation_input_tokens,
        cast(kept_steps.claude_cache_read_input_tokens as bigint) as claude_cache_read_input_tokens,
        cast(coalesce(events_summarized.current_user_message_count + events_summarized.current_tool_result_count, 0) as bigint)
            as current_input_event_count,
        cast(coalesce(events_summarized.current_user_message_count, 0) as bigint) as current_user_message_count,
        cast(coalesce(events_summarized.current_tool_result_count, 0) as bigint) as current_tool_result_count,
        cast(coalesce(events_summarized.current_user_message_chars, 0) as bigint) as current_user_message_chars,
        cast(coalesce(events_summarized.current_tool_result_chars, 0) as bigint) as current_tool_result_chars,
        cast(coalesce(events_summarized.current_user_message_chars + events_summarized.current_tool_result_chars, 0) as bigint)
            as current_input_chars,
        first_inputs.first_input_event_type,
        events_summarized.first_timing_event_type,
        cast(coalesce(events_summarized.timing_event_count, 0) as bigint) as timing_event_count,
        cast(coalesce(tools_counted.tool_call_count, 0) as bigint) as tool_call_count,
        kept_steps.is_subagent,
        kept_steps.cwd,
        kept_steps.source_path
    from kept_steps
    left join events_summarized
        on kept_steps.step_id = events_summarized.step_id
    left join first_inputs
        on kept_steps.step_id = first_inputs.step_id
    left join tools_counted
        on kept_steps.step_id = tools_counted.step_id

)

select * from final
