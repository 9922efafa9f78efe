{#- One row per timing event of a kept step of the raw logs (grain: step_id, event_index), both
    agents: the step's input events in the order they were buffered, then its output events in
    file order, then (Codex) its usage_report (R7.1). The fields are SPEC 2's timing_events
    keys; event_keys lists, in order, the optional keys this event carries (R7.2), so that the
    normalized export writes each event with exactly its keys. #}

with

claude_events as (

    select
        source_path,
        step_line,
        event_group,
        line_number,
        block_index,
        event_type,
        event_timestamp,
        source,
        content_chars,
        tool_call_id,
        tool_name,
        tool_index,
        result_chars,
        is_error,
        event_keys
    from {{ ref('int_claude_events_assigned') }}
    where step_line is not null

),

codex_events as (

    select
        source_path,
        step_line,
        event_group,
        line_number,
        block_index,
        event_type,
        event_timestamp,
        source,
        content_chars,
        tool_call_id,
        tool_name,
        tool_index,
        result_chars,
        is_error,
        event_keys
    from {{ ref('int_codex_events_assigned') }}
    where step_line is not null

),

kept_steps as (

    select
        source_path,
        source_line,
        step_id
    from {{ ref('int_agent_log_steps_deduplicated') }}
    where step_id is not null

),

events_unioned as (

    select * from claude_events
    union all
    select * from codex_events

),

final as (

    select
        kept_steps.step_id,
        row_number() over (
            partition by kept_steps.step_id
            order by events_unioned.event_group, events_unioned.line_number, events_unioned.block_index
        ) as event_index,
        events_unioned.event_type,
        events_unioned.event_timestamp as timestamp_text,
        events_unioned.source,
        events_unioned.tool_call_id,
        events_unioned.tool_index,
        events_unioned.tool_name,
        events_unioned.is_error,
        events_unioned.result_chars,
        events_unioned.content_chars,
        events_unioned.event_keys,
        events_unioned.line_number as source_line_number
    from events_unioned
    inner join kept_steps
        on events_unioned.source_path = kept_steps.source_path and events_unioned.step_line = kept_steps.source_line

)

select * from final
