{#- What the misses cost, per scope x sessions x cause (grain: scope, sessions, cause): scopes
    merged, claude, codex (seed canonical_scopes) x all, main or sub-agent sessions (seed
    session_kinds) x the causes of seed cache_miss_causes (the cold start counted apart), every
    row present. Each row carries its misses (steps, reprefilled tokens, dollars lost, their
    share of the scope's input dollars) and the scope's bill: its steps and the tokens and
    dollars of each bucket. #}

with

bills as (

    select *
    from {{ ref('int_step_bill') }}

),

miss_steps as (

    select
        step_id,
        is_cold_start,
        cause,
        reprefilled_tokens,
        dollars_lost
    from {{ ref('int_cache_miss_steps') }}

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

causes as (

    select
        cause_order,
        cause
    from {{ ref('cache_miss_causes') }}

),

steps_placed as (

    select
        scopes.scope,
        session_kinds.sessions,
        bills.*,
        case when miss_steps.is_cold_start then 'cold_start' else miss_steps.cause end as step_cause,
        coalesce(miss_steps.reprefilled_tokens, 0) as reprefilled_tokens,
        miss_steps.dollars_lost
    from bills
    left join miss_steps
        on bills.step_id = miss_steps.step_id
    inner join scopes
        on scopes.scope = 'merged' or bills.provider_scope = scopes.scope
    inner join session_kinds
        on session_kinds.sessions = 'all'
            or (session_kinds.sessions = 'subagent') = bills.is_subagent

),

bills_summed as (

    select
        scope,
        sessions,
        count(*) as scope_steps,
        sum(case when is_priced then 1 else 0 end) as priced_steps,
        sum(case when is_priced then 0 else 1 end) as unpriced_steps,
        sum(uncached_input_tokens) as uncached_input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        {{ sum_decimal('uncached_input_usd') }} as uncached_input_usd,
        {{ sum_decimal('cache_read_usd') }} as cache_read_usd,
        {{ sum_decimal('cache_write_5m_usd') }} as cache_write_5m_usd,
        {{ sum_decimal('cache_write_1h_usd') }} as cache_write_1h_usd,
        {{ sum_decimal('input_usd') }} as input_usd,
        {{ sum_decimal('output_usd') }} as output_usd
    from steps_placed
    group by scope, sessions

),

causes_summed as (

    select
        scope,
        sessions,
        step_cause as cause,
        count(*) as steps,
        sum(reprefilled_tokens) as reprefilled_tokens,
        {{ sum_decimal('dollars_lost') }} as dollars_lost
    from steps_placed
    where step_cause is not null
    group by scope, sessions, step_cause

),

rows_enumerated as (

    select
        scopes.scope_order,
        scopes.scope,
        session_kinds.kind_order,
        session_kinds.sessions,
        causes.cause_order,
        causes.cause
    from scopes
    cross join session_kinds
    cross join causes

),

final as (

    select
        rows_enumerated.scope_order,
        rows_enumerated.kind_order,
        rows_enumerated.cause_order,
        rows_enumerated.scope,
        rows_enumerated.sessions,
        rows_enumerated.cause,
        coalesce(causes_summed.steps, 0) as steps,
        coalesce(causes_summed.reprefilled_tokens, 0) as reprefilled_tokens,
        coalesce(causes_summed.dollars_lost, 0) as dollars_lost,
        case
            when bills_summed.input_usd > 0 then coalesce(causes_summed.dollars_lost, 0) / bills_summed.input_usd
        end as share_of_input_usd,
        coalesce(bills_summed.scope_steps, 0) as scope_steps,
        coalesce(bills_summed.priced_steps, 0) as priced_steps,
        coalesce(bills_summed.unpriced_steps, 0) as unpriced_steps,
        coalesce(bills_summed.uncached_input_tokens, 0) as uncached_input_tokens,
        coalesce(bills_summed.cache_read_tokens, 0) as cache_read_tokens,
        coalesce(bills_summed.cache_write_5m_tokens, 0) as cache_write_5m_tokens,
        coalesce(bills_summed.cache_write_1h_tokens, 0) as cache_write_1h_tokens,
        coalesce(bills_summed.output_tokens, 0) as output_tokens,
        coalesce(bills_summed.uncached_input_usd, 0) as uncached_input_usd,
        coalesce(bills_summed.cache_read_usd, 0) as cache_read_usd,
        coalesce(bills_summed.cache_write_5m_usd, 0) as cache_write_5m_usd,
        coalesce(bills_summed.cache_write_1h_usd, 0) as cache_write_1h_usd,
        coalesce(bills_summed.input_usd, 0) as input_usd,
        coalesce(bills_summed.output_usd, 0) as output_usd
    from rows_enumerated
    left join causes_summed
        on rows_enumerated.scope = causes_summed.scope
            and rows_enumerated.sessions = causes_summed.sessions
            and rows_enumerated.cause = causes_summed.cause
    left join bills_summed
        on rows_enumerated.scope = bills_summed.scope
            and rows_enumerated.sessions = bills_summed.sessions

)

select * from final
