{#- One row per step of a session (grain: step_id): its place in the session, its request
    time, and -- against its predecessor P, the previous step of the session -- the tokens it
    sent again and why (docs/method.md). A session is (provider, session_id) over the steps
    that have both and a round_index, ordered as in the idle-gap experiment (round_index, first
    activity -- a missing one first --, step_id); its first step is a cold start, not a miss.
    A step's request time is the latest time among its input events (user messages and tool
    results), else its first timed event. reprefilled_tokens = max(0, append(S) - max(0,
    total(S) - total(P))): the part of S's new input that P had already sent. Its cause, the
    first that holds: context_rewritten (total(S) < total(P)), model_switch (S's model is not
    P's), cache_expired (the gap between the two request times exceeds the TTL of the tier P's
    prefix was cached under, seed cache_ttls: Claude 1h when P wrote any 1-hour tokens, else
    5m; another provider its default), unexplained. dollars_lost = reprefilled tokens x (the
    rate S paid per appended token - the cache-read rate). #}

with

bills as (

    select *
    from {{ ref('int_step_bill') }}
    where provider is not null and session_id is not null and round_index is not null

),

activity as (

    select
        step_id,
        first_timed_event_at_us,
        coalesce(first_timed_event_at_us, earliest_activity_us) as first_activity_us
    from {{ ref('int_step_activity') }}

),

input_events as (

    select
        step_id,
        max(event_at_us) as latest_input_at_us
    from {{ ref('int_step_timing_events') }}
    where event_type in ('user_message', 'tool_result')
    group by step_id

),

ttls as (

    select
        provider,
        tier,
        ttl_seconds
    from {{ ref('cache_ttls') }}

),

steps_timed as (

    select
        bills.*,
        coalesce(input_events.latest_input_at_us, activity.first_timed_event_at_us) as request_at_us,
        activity.first_activity_us
    from bills
    left join activity
        on bills.step_id = activity.step_id
    left join input_events
        on bills.step_id = input_events.step_id

),

steps_ordered as (

    select
        *,
        row_number() over (
            partition by provider, session_id
            order by round_index, case when first_activity_us is null then 0 else 1 end, first_activity_us, step_id
        ) as session_position
    from steps_timed

),

steps_chained as (

    select
        *,
        lag(step_id) over (partition by provider, session_id order by session_position) as predecessor_step_id,
        lag(input_tokens) over (partition by provider, session_id order by session_position) as predecessor_input_tokens,
        lag(model) over (partition by provider, session_id order by session_position) as predecessor_model,
        lag(request_at_us) over (partition by provider, session_id order by session_position) as predecessor_request_at_us,
        lag(cache_write_1h_tokens) over (partition by provider, session_id order by session_position)
            as predecessor_cache_write_1h_tokens
    from steps_ordered

),

steps_compared as (

    select
        steps_chained.*,
        session_position = 1 as is_cold_start,
        case
            when session_position > 1
                then greatest(0, append_tokens - greatest(0, input_tokens - predecessor_input_tokens))
            else 0
        end as reprefilled_tokens,
        case
            when session_position = 1 then null
            when provider = 'claude' and predecessor_cache_write_1h_tokens > 0 then '1h'
            when provider = 'claude' then '5m'
            else 'default'
        end as ttl_tier,
        case
            when session_position > 1 and request_at_us is not null and predecessor_request_at_us is not null
                then cast(request_at_us - predecessor_request_at_us as double) / cast(1000000 as double)
        end as gap_seconds
    from steps_chained

),

ttls_matched as (

    select
        steps_compared.*,
        ttls.ttl_seconds
    from steps_compared
    left join ttls
        on steps_compared.provider = ttls.provider
            and steps_compared.ttl_tier = ttls.tier

),

causes_found as (

    select
        *,
        case
            when reprefilled_tokens = 0 then null
            when input_tokens < predecessor_input_tokens then 'context_rewritten'
            when not coalesce(model = predecessor_model, model is null and predecessor_model is null) then 'model_switch'
            when gap_seconds > ttl_seconds then 'cache_expired'
            else 'unexplained'
        end as cause
    from ttls_matched

),

final as (

    select
        step_id,
        provider,
        provider_scope,
        project,
        session_id,
        source_round_id,
        model,
        is_subagent,
        session_position,
        is_cold_start,
        predecessor_step_id,
        request_at_us,
        gap_seconds,
        ttl_tier,
        ttl_seconds,
        reprefilled_tokens,
        cause,
        case
            when reprefilled_tokens > 0 and is_priced
                then reprefilled_tokens * (append_usd / cast(append_tokens as double) - cache_read_usd_per_token)
        end as dollars_lost
    from causes_found

)

select * from final
