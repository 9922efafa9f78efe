{#- Usage per day (grain: day, provider, project, model, sessions): every step by the UTC day
    of its request time (empty when it has none), provider (`unknown` when none), project,
    model and main or sub-agent sessions, with its bill (steps, tokens of each bucket, dollars),
    the token-weighted hit rate (cache read / input) and its misses (reprefilled tokens, dollars
    lost). #}

with

bills as (

    select *
    from {{ ref('int_step_bill') }}

),

miss_steps as (

    select
        step_id,
        request_at_us,
        reprefilled_tokens,
        dollars_lost
    from {{ ref('int_cache_miss_steps') }}

),

activity as (

    select
        step_id,
        first_timed_event_at_us
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

steps_dated as (

    select
        bills.*,
        coalesce(
            miss_steps.request_at_us, input_events.latest_input_at_us, activity.first_timed_event_at_us
        ) as request_at_us,
        coalesce(miss_steps.reprefilled_tokens, 0) as reprefilled_tokens,
        miss_steps.dollars_lost
    from bills
    left join miss_steps
        on bills.step_id = miss_steps.step_id
    left join input_events
        on bills.step_id = input_events.step_id
    left join activity
        on bills.step_id = activity.step_id

),

steps_keyed as (

    select
        *,
        case when request_at_us is not null then {{ utc_day_of_us('request_at_us') }} else '' end as day,
        coalesce(project, '') as project_key,
        coalesce(model, '') as model_key,
        case when is_subagent then 'subagent' else 'main' end as sessions
    from steps_dated

),

final as (

    select
        day,
        provider_scope as provider,
        project_key as project,
        model_key as model,
        sessions,
        count(*) as steps,
        sum(case when is_priced then 0 else 1 end) as unpriced_steps,
        sum(input_tokens) as input_tokens,
        sum(uncached_input_tokens) as uncached_input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        coalesce({{ sum_decimal('input_usd') }}, 0) as input_usd,
        coalesce({{ sum_decimal('output_usd') }}, 0) as output_usd,
        case
            when sum(input_tokens) > 0 then cast(sum(cache_read_tokens) as double) / cast(sum(input_tokens) as double)
        end as hit_rate,
        sum(reprefilled_tokens) as reprefilled_tokens,
        coalesce({{ sum_decimal('dollars_lost') }}, 0) as dollars_lost
    from steps_keyed
    group by day, provider_scope, project_key, model_key, sessions

)

select * from final
