-- Each group's 14 bins hold all of its steps and all of its append tokens, and every group has
-- exactly 14 bins. Returns the groups where that fails.
with

bins as (

    select scope, trigger, rounds, append_tokens
    from {{ ref('cache_hit_ratio_bins') }}

),

summary as (

    select scope, trigger, rounds, append_tokens
    from {{ ref('cache_hit_ratio_summary') }}

),

bins_summed as (

    select
        scope,
        trigger,
        count(*) as bin_count,
        sum(rounds) as rounds,
        sum(append_tokens) as append_tokens
    from bins
    group by scope, trigger

),

final as (

    select
        summary.scope,
        summary.trigger,
        summary.rounds as summary_rounds,
        bins_summed.rounds as bin_rounds,
        bins_summed.bin_count
    from summary
    left join bins_summed
        on summary.scope = bins_summed.scope and summary.trigger = bins_summed.trigger
    where
        bins_summed.bin_count is null
        or bins_summed.bin_count <> 14
        or bins_summed.rounds <> summary.rounds
        or bins_summed.append_tokens <> summary.append_tokens

)

select * from final
