-- Every percentile of a group lies within [min, max] of the group's step hit ratios, and a
-- group has percentiles exactly when it has steps.
with

group_steps as (

    select scope, trigger, hit_ratio
    from {{ ref('int_steps_fanned_to_groups') }}
    where is_eligible

),

summary as (

    select scope, trigger, rounds, p01, p99
    from {{ ref('cache_hit_ratio_summary') }}

),

groups_ranged as (

    select
        scope,
        trigger,
        min(hit_ratio) as min_ratio,
        max(hit_ratio) as max_ratio
    from group_steps
    group by scope, trigger

),

final as (

    select
        summary.*,
        groups_ranged.min_ratio,
        groups_ranged.max_ratio
    from summary
    left join groups_ranged
        on summary.scope = groups_ranged.scope and summary.trigger = groups_ranged.trigger
    where
        (summary.rounds > 0 and (
            summary.p01 is null
            or summary.p01 < groups_ranged.min_ratio
            or summary.p99 > groups_ranged.max_ratio
        ))
        or (summary.rounds = 0 and summary.p01 is not null)

)

select * from final
