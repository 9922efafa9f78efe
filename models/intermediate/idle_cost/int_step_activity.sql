{#- One row per step of the steps contract (grain: step_id) with the times the idle-gap and
    thinking-time experiments read (microseconds since 1970): the first event's time, the time
    of the first event that has one, the earliest and latest activity (every event time, every
    tool's emitted and result time), and where the step's leading run of tool_result events
    ends. #}

with

steps as (

    select
        step_id,
        provider,
        session_id,
        round_index,
        model,
        prefix_tokens,
        newly_append_tokens,
        output_tokens,
        claude_cache_creation_input_tokens,
        first_timing_event_type
    from {{ ref('int_steps_unioned') }}

),

timing_events as (

    select
        step_id,
        event_index,
        event_type,
        event_at_us
    from {{ ref('int_step_timing_events') }}

),

tool_calls as (

    select
        step_id,
        emitted_at_us,
        result_at_us
    from {{ ref('int_step_tool_calls') }}

),

events_summarised as (

    select
        step_id,
        max(case when event_index = 1 then event_at_us end) as first_event_at_us,
        min(case when event_type is null or event_type <> 'tool_result' then event_index end) as leading_results_end_index
    from timing_events
    group by step_id

),

first_timed_events as (

    select
        step_id,
        min_by(event_at_us, event_index) as first_timed_event_at_us
    from timing_events
    where event_at_us is not null
    group by step_id

),

activity_times as (

    select
        step_id,
        event_at_us as activity_at_us
    from timing_events
    where event_at_us is not null
    union all
    select
        step_id,
        emitted_at_us as activity_at_us
    from tool_calls
    where emitted_at_us is not null
    union all
    select
        step_id,
        result_at_us as activity_at_us
    from tool_calls
    where result_at_us is not null

),

activity_spans as (

    select
        step_id,
        min(activity_at_us) as earliest_activity_us,
        max(activity_at_us) as last_activity_us
    from activity_times
    group by step_id

),

final as (

    select
        steps.*,
        events_summarised.first_event_at_us,
        first_timed_events.first_timed_event_at_us,
        activity_spans.earliest_activity_us,
        activity_spans.last_activity_us,
        events_summarised.leading_results_end_index
    from steps
    left join events_summarised
        on steps.step_id = events_summarised.step_id
    left join first_timed_events
        on steps.step_id = first_timed_events.step_id
    left join activity_spans
        on steps.step_id = activity_spans.step_id

)

select * from final
