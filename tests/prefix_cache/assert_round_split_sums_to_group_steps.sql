-- Each group's 4 round-split buckets hold all of its steps. Returns the groups where not.
with

round_split as (

    select scope, trigger, rounds
    from {{ ref('cache_hit_ratio_round_split') }}

),

summary as (

    select scope, trigger, rounds
    from {{ ref('cache_hit_ratio_summary') }}

),

buckets_summed as (

    select
        scope,
        trigger,
        count(*) as bucket_count,
        sum(rounds) as rounds
    from round_split
    group by scope, trigger

),

final as (

    select
        summary.scope,
        summary.trigger,
        summary.rounds as summary_rounds,
        buckets_summed.rounds as bucket_rounds,
        buckets_summed.bucket_count
    from summary
    left join buckets_summed
        on summary.scope = buckets_summed.scope and summary.trigger = buckets_summed.trigger
    where
        buckets_summed.bucket_count is null
        or buckets_summed.bucket_count <> 4
        or buckets_summed.rounds <> summary.rounds

)

select * from final
