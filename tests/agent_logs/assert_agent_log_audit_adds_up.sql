-- Nothing lost, per agent (rules R10.1): lines read = used + ignored + bad + truncated + blank;
-- steps formed = kept + set aside; kept = the agent's steps in the steps contract; accepted
-- token_counts = Codex steps formed. Returns a row for each identity that fails.
{{ config(enabled=(var('input', env_var('TRACE_ATLAS_INPUT', 'trace')) | trim | lower) == 'agent_logs') }}

with

audit as (

    select agent, section, item, count
    from {{ ref('agent_log_audit') }}

),

contract_steps as (

    select
        provider,
        count(*) as step_count
    from {{ ref('int_steps_unioned') }}
    group by provider

),

deleted_log_steps as (

    -- KEEP_HISTORY: steps in the contract from log files deleted since, formed by no line here
    select
        provider,
        count(*) as step_count
    from {{ ref('int_agent_log_steps_remembered') }}
    where source_path not in (select log_files.source_path from {{ ref('stg_agent_logs__files') }} as log_files)
    group by provider

),

audit_totals as (

    select
        agent,
        sum(case when section = 'lines' and item = 'read' then count else 0 end) as lines_read,
        sum(case when section = 'lines' and item <> 'read' then count else 0 end)
        + sum(case when section in ('ignored_bookkeeping', 'ignored_unknown') then count else 0 end) as lines_accounted,
        sum(case when section = 'steps' and item = 'formed' then count else 0 end) as steps_formed,
        sum(case when section = 'steps' and item = 'kept' then count else 0 end) as steps_kept,
        sum(case when section = 'set_aside' then count else 0 end) as steps_set_aside,
        sum(case when section = 'token_counts' and item = 'accepted' then count else 0 end) as accepted_token_counts
    from audit
    group by agent

),

identities as (

    select
        audit_totals.agent || ': lines read = used + ignored + bad + truncated + blank' as identity,
        audit_totals.lines_read = audit_totals.lines_accounted as holds
    from audit_totals
    union all
    select
        audit_totals.agent || ': steps formed = kept + set aside' as identity,
        audit_totals.steps_formed = audit_totals.steps_kept + audit_totals.steps_set_aside as holds
    from audit_totals
    union all
    select
        audit_totals.agent || ': kept = steps of the contract' as identity,
        audit_totals.steps_kept = coalesce(contract_steps.step_count, 0) - coalesce(deleted_log_steps.step_count, 0) as holds
    from audit_totals
    left join contract_steps
        on audit_totals.agent = contract_steps.provider
    left join deleted_log_steps
        on audit_totals.agent = deleted_log_steps.provider
    union all
    select
        'codex: accepted token_counts = steps formed' as identity,
        audit_totals.accepted_token_counts = audit_totals.steps_formed as holds
    from audit_totals
    where audit_totals.agent = 'codex'

),

final as (

    select identity
    from identities
    where not holds

)

select * from final
