-- Nothing lost: lines read = blank + rejected + steps ingested; rejected = the sum over
-- rejection reasons; steps ingested = eligible + excluded = the steps of int_steps_unioned;
-- excluded = the sum over exclusion reasons. Returns a row for each identity that fails.
with

audit as (

    select section, item, count
    from {{ ref('step_audit') }}

),

trace_steps as (

    select count(*) as step_count
    from {{ ref('int_steps_unioned') }}

),

audit_totals as (

    select
        sum(case when section = 'lines' and item = 'lines_read' then count else 0 end) as lines_read,
        sum(case when section = 'lines' and item = 'blank_lines' then count else 0 end) as blank_lines,
        sum(case when section = 'lines' and item = 'rejected_lines' then count else 0 end) as rejected_lines,
        sum(case when section = 'lines' and item = 'steps_ingested' then count else 0 end) as steps_ingested,
        -- agent_logs: raw lines that are no step; absent (0) for other inputs
        sum(case when section = 'lines' and item = 'other_lines' then count else 0 end) as other_lines,
        -- KEEP_HISTORY: steps of deleted log files, read from no line of this build
        sum(case when section = 'lines' and item = 'steps_from_deleted_logs' then count else 0 end) as steps_from_deleted_logs,
        sum(case when section = 'rejected' then count else 0 end) as rejected_by_reason,
        sum(case when section = 'steps' and item = 'eligible_steps' then count else 0 end) as eligible_steps,
        sum(case when section = 'steps' and item = 'excluded_steps' then count else 0 end) as excluded_steps,
        sum(case when section = 'excluded' then count else 0 end) as excluded_by_reason
    from audit

),

identities as (

    select
        'lines_read = blank + rejected + ingested' as identity,
        lines_read + steps_from_deleted_logs = blank_lines + rejected_lines + steps_ingested + other_lines as holds
    from audit_totals
    union all
    select
        'rejected = sum of reasons' as identity,
        rejected_lines = rejected_by_reason as holds
    from audit_totals
    union all
    select
        'ingested = eligible + excluded' as identity,
        steps_ingested = eligible_steps + excluded_steps as holds
    from audit_totals
    union all
    select
        'excluded = sum of reasons' as identity,
        excluded_steps = excluded_by_reason as holds
    from audit_totals
    union all
    select
        'ingested = steps contract rows' as identity,
        audit_totals.steps_ingested = trace_steps.step_count as holds
    from audit_totals
    cross join trace_steps

),

final as (

    select identity
    from identities
    where not holds

)

select * from final
