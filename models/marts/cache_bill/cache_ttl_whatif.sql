{#- Which cache lifetime would have been cheaper: per scope x sessions (grain: scope,
    sessions), the input dollars as observed (the bill), if every cache write had been
    5-minute, and if every write had been 1-hour, replaying the real gaps between requests
    (docs/method.md). For a provider with both tiers in seed cache_ttls, each step after its
    predecessor: a cache_expired miss whose gap is within the tier's lifetime reads its
    reprefilled tokens instead (taken from its writes first, then its uncached input); a step
    whose gap is beyond the tier's lifetime but was within the observed one writes again what
    it read; every write is priced at the tier's rate. Other providers (Codex: one lifetime,
    writes free) keep their observed dollars. Priced steps only. #}

with

bills as (

    select *
    from {{ ref('int_step_bill') }}
    where is_priced

),

miss_steps as (

    select
        step_id,
        is_cold_start,
        gap_seconds,
        ttl_seconds,
        reprefilled_tokens,
        cause
    from {{ ref('int_cache_miss_steps') }}

),

ttls as (

    select
        provider,
        max(case when tier = '5m' then ttl_seconds end) as ttl_5m_seconds,
        max(case when tier = '1h' then ttl_seconds end) as ttl_1h_seconds
    from {{ ref('cache_ttls') }}
    group by provider

),

scopes as (

    select
        scope_order,
        scope
    from {{ ref('canonical_scopes') }}

),

session_kinds as (

    select
        kind_order,
        sessions
    from {{ ref('session_kinds') }}

),

steps_replayed as (

    select
        bills.*,
        coalesce(ttls.ttl_5m_seconds is not null and ttls.ttl_1h_seconds is not null, false) as is_replayed,
        coalesce(miss_steps.cause = 'cache_expired', false) as is_expired_miss,
        coalesce(miss_steps.reprefilled_tokens, 0) as reprefilled_tokens,
        coalesce(not miss_steps.is_cold_start, false) as has_predecessor,
        coalesce(miss_steps.gap_seconds > miss_steps.ttl_seconds, false) as expired_as_observed,
        coalesce(miss_steps.gap_seconds > ttls.ttl_5m_seconds, false) as expired_at_5m,
        coalesce(miss_steps.gap_seconds > ttls.ttl_1h_seconds, false) as expired_at_1h
    from bills
    left join miss_steps
        on bills.step_id = miss_steps.step_id
    left join ttls
        on bills.provider = ttls.provider

),

tokens_moved as (

    select
        *,
        case when is_expired_miss and not expired_at_5m then reprefilled_tokens else 0 end as read_back_5m_tokens,
        case when has_predecessor and expired_at_5m and not expired_as_observed then cache_read_tokens else 0 end
            as written_again_5m_tokens,
        case when is_expired_miss and not expired_at_1h then reprefilled_tokens else 0 end as read_back_1h_tokens,
        case when has_predecessor and expired_at_1h and not expired_as_observed then cache_read_tokens else 0 end
            as written_again_1h_tokens
    from steps_replayed

),

steps_costed as (

    select
        *,
        case
            when not is_replayed then input_usd
            else
                (uncached_input_tokens - (read_back_5m_tokens - least(read_back_5m_tokens, cache_write_5m_tokens + cache_write_1h_tokens)))
                * input_usd_per_token
                + (cache_read_tokens + read_back_5m_tokens - written_again_5m_tokens) * cache_read_usd_per_token
                + (
                    cache_write_5m_tokens + cache_write_1h_tokens
                    - least(read_back_5m_tokens, cache_write_5m_tokens + cache_write_1h_tokens)
                    + written_again_5m_tokens
                ) * cache_write_5m_usd_per_token
        end as all_5m_input_usd,
        case
            when not is_replayed then input_usd
            else
                (uncached_input_tokens - (read_back_1h_tokens - least(read_back_1h_tokens, cache_write_5m_tokens + cache_write_1h_tokens)))
                * input_usd_per_token
                + (cache_read_tokens + read_back_1h_tokens - written_again_1h_tokens) * cache_read_usd_per_token
                + (
                    cache_write_5m_tokens + cache_write_1h_tokens
                    - least(read_back_1h_tokens, cache_write_5m_tokens + cache_write_1h_tokens)
                    + written_again_1h_tokens
                ) * cache_write_1h_usd_per_token
        end as all_1h_input_usd
    from tokens_moved

),

steps_placed as (

    select
        scopes.scope,
        session_kinds.sessions,
        steps_costed.*
    from steps_costed
    inner join scopes
        on scopes.scope = 'merged' or steps_costed.provider_scope = scopes.scope
    inner join session_kinds
        on session_kinds.sessions = 'all'
            or (session_kinds.sessions = 'subagent') = steps_costed.is_subagent

),

steps_summed as (

    select
        scope,
        sessions,
        count(*) as priced_steps,
        sum(case when is_replayed then 1 else 0 end) as replayed_steps,
        {{ sum_decimal('input_usd') }} as observed_input_usd,
        {{ sum_decimal('all_5m_input_usd') }} as all_5m_input_usd,
        {{ sum_decimal('all_1h_input_usd') }} as all_1h_input_usd,
        {{ sum_decimal('all_1h_input_usd - all_5m_input_usd') }} as difference_1h_minus_5m_usd
    from steps_placed
    group by scope, sessions

),

final as (

    select
        scopes.scope_order,
        session_kinds.kind_order,
        scopes.scope,
        session_kinds.sessions,
        coalesce(steps_summed.priced_steps, 0) as priced_steps,
        coalesce(steps_summed.replayed_steps, 0) as replayed_steps,
        coalesce(steps_summed.observed_input_usd, 0) as observed_input_usd,
        coalesce(steps_summed.all_5m_input_usd, 0) as all_5m_input_usd,
        coalesce(steps_summed.all_1h_input_usd, 0) as all_1h_input_usd,
        case
            when steps_summed.difference_1h_minus_5m_usd > 0 then '5m'
            when steps_summed.difference_1h_minus_5m_usd < 0 then '1h'
            else 'same'
        end as cheaper_tier
    from scopes
    cross join session_kinds
    left join steps_summed
        on scopes.scope = steps_summed.scope
            and session_kinds.sessions = steps_summed.sessions

)

select * from final
