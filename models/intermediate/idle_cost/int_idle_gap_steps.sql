{#- One row per step of a session that the idle-gap experiment measures (grain: step_id), with
    its trigger, hit ratio and gap in seconds (docs/method.md). A session is (provider,
    session_id) over the steps that have both and a round_index, ordered by (round_index, first
    activity -- a missing one first --, step_id). A user step's gap is its first activity minus
    the previous step's last activity, kept when >= 0 (the session's first step has none); a
    tool_result step's gap is the longest duration, result minus emitted, of the tools its
    leading tool results answer, each looked up among the tools emitted by the session's earlier
    steps (the latest earlier emission of the call id wins; a step never sees its own tools). #}

with

steps as (

    select
        step_id,
        provider,
        session_id,
        round_index,
        prefix_tokens,
        newly_append_tokens,
        first_timing_event_type,
        coalesce(first_timed_event_at_us, earliest_activity_us) as first_activity_us,
        last_activity_us,
        leading_results_end_index
    from {{ ref('int_step_activity') }}
    where provider is not null and session_id is not null and round_index is not null

),

timing_events as (

    select
        step_id,
        event_index,
        event_type,
        tool_call_id
    from {{ ref('int_step_timing_events') }}

),

tool_calls as (

    select
        step_id,
        tool_position,
        tool_call_id,
        emitted_at_us,
        result_at_us
    from {{ ref('int_step_tool_calls') }}
    where tool_call_id is not null

),

steps_ordered as (

    select
        *,
        row_number() over (
            partition by provider, session_id
            order by round_index, case when first_activity_us is null then 0 else 1 end, first_activity_us, step_id
        ) as session_position,
        lag(last_activity_us) over (
            partition by provider, session_id
            order by round_index, case when first_activity_us is null then 0 else 1 end, first_activity_us, step_id
        ) as previous_last_activity_us
    from steps

),

emissions_timed as (

    select
        step_id,
        tool_position,
        tool_call_id,
        case
            when emitted_at_us is not null and result_at_us is not null and result_at_us >= emitted_at_us
                then cast(result_at_us - emitted_at_us as double) / cast(1000000 as double)
        end as duration_seconds
    from tool_calls

),

emissions_placed as (

    select
        steps_ordered.provider,
        steps_ordered.session_id,
        steps_ordered.session_position,
        emissions_timed.tool_position,
        emissions_timed.tool_call_id,
        emissions_timed.duration_seconds
    from emissions_timed
    inner join steps_ordered
        on emissions_timed.step_id = steps_ordered.step_id

),

leading_results as (

    select
        steps_ordered.step_id,
        steps_ordered.provider,
        steps_ordered.session_id,
        steps_ordered.session_position,
        timing_events.event_index,
        timing_events.tool_call_id
    from steps_ordered
    inner join timing_events
        on steps_ordered.step_id = timing_events.step_id
    where
        steps_ordered.first_timing_event_type = 'tool_result'
        and timing_events.event_type = 'tool_result'
        and timing_events.tool_call_id is not null
        and timing_events.event_index < coalesce(steps_ordered.leading_results_end_index, timing_events.event_index + 1)

),

results_looked_up as (

    select
        leading_results.step_id,
        emissions_placed.duration_seconds,
        {#- the latest earlier step's emission; of a call id that step emitted twice, its last
            tool (in tool order) #}
        row_number() over (
            partition by leading_results.step_id, leading_results.event_index
            order by emissions_placed.session_position desc, emissions_placed.tool_position desc
        ) as emission_recency
    from leading_results
    inner join emissions_placed
        on leading_results.provider = emissions_placed.provider
            and leading_results.session_id = emissions_placed.session_id
            and leading_results.tool_call_id = emissions_placed.tool_call_id
            and leading_results.session_position > emissions_placed.session_position

),

tool_durations as (

    select
        step_id,
        max(duration_seconds) as tool_duration_seconds
    from results_looked_up
    where emission_recency = 1
    group by step_id

),

steps_measured as (

    select
        steps_ordered.step_id,
        steps_ordered.provider,
        steps_ordered.session_id,
        steps_ordered.session_position,
        case steps_ordered.first_timing_event_type when 'user_message' then 'user' else 'tool_result' end as trigger,
        cast(steps_ordered.prefix_tokens as double)
        / cast(steps_ordered.prefix_tokens + steps_ordered.newly_append_tokens as double) as hit_ratio,
        case
            when steps_ordered.first_timing_event_type = 'user_message'
                and steps_ordered.session_position > 1
                and steps_ordered.first_activity_us >= steps_ordered.previous_last_activity_us
                then cast(steps_ordered.first_activity_us - steps_ordered.previous_last_activity_us as double) / cast(1000000 as double)
            when steps_ordered.first_timing_event_type = 'tool_result'
                then tool_durations.tool_duration_seconds
        end as gap_seconds
    from steps_ordered
    left join tool_durations
        on steps_ordered.step_id = tool_durations.step_id
    where
        steps_ordered.first_timing_event_type in ('user_message', 'tool_result')
        and steps_ordered.prefix_tokens is not null
        and steps_ordered.newly_append_tokens is not null
        and steps_ordered.prefix_tokens + steps_ordered.newly_append_tokens > 0

),

parameters as (

    select
        low_hit_threshold,
        idle_threshold_seconds
    from {{ ref('idle_gap_parameters') }}

),

final as (

    select
        steps_measured.*,
        steps_measured.hit_ratio < parameters.low_hit_threshold as is_low_hit,
        steps_measured.gap_seconds > parameters.idle_threshold_seconds as is_long_gap
    from steps_measured
    cross join parameters

)

select * from final
