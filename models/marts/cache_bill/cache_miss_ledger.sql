{#- The miss ledger: one row per step that sent again tokens its predecessor had already sent
    (grain: step_id), with the cause, the gap between the two requests, the lifetime it is
    compared with, and the dollars lost (docs/method.md). Cold starts are not misses and are not
    listed. #}

with

miss_steps as (

    select *
    from {{ ref('int_cache_miss_steps') }}
    where reprefilled_tokens > 0

),

final as (

    select
        step_id,
        session_position,
        provider,
        project,
        session_id,
        source_round_id as round_id,
        model,
        case when is_subagent then 'true' else 'false' end as is_subagent,
        case when request_at_us is not null then {{ utc_text_of_us('request_at_us') }} end as request_at,
        cause,
        gap_seconds,
        ttl_seconds,
        reprefilled_tokens,
        dollars_lost
    from miss_steps

)

select * from final
