-- Conservation of steps: every step of the trace is eligible or excluded with exactly one
-- named reason, and the eligible steps are exactly the steps of the merged/all hit-ratio group.
with

steps_classified as (

    select is_eligible, exclusion_reason
    from {{ ref('int_steps_classified') }}

),

trace_steps as (

    select count(*) as step_count
    from {{ ref('int_steps_unioned') }}

),

merged_all as (

    select rounds
    from {{ ref('cache_hit_ratio_summary') }}
    where scope = 'merged' and trigger = 'all'

),

steps_counted as (

    select
        sum(case when is_eligible then 1 else 0 end) as eligible_steps,
        sum(case when not is_eligible and exclusion_reason is not null then 1 else 0 end) as excluded_steps
    from steps_classified

),

final as (

    select
        trace_steps.step_count,
        steps_counted.eligible_steps,
        steps_counted.excluded_steps,
        merged_all.rounds as merged_all_rounds
    from trace_steps
    cross join steps_counted
    cross join merged_all
    where
        coalesce(steps_counted.eligible_steps, 0) + coalesce(steps_counted.excluded_steps, 0) <> trace_steps.step_count
        or coalesce(steps_counted.eligible_steps, 0) <> merged_all.rounds

)

select * from final
