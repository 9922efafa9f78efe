-- In the hit-ratio groups, trigger `all` is exactly `user` + `tool_result` for every scope and
-- every bin (an eligible step has one of the two triggers).
with

bins as (

    select scope, trigger, bin_index, rounds, append_tokens
    from {{ ref('cache_hit_ratio_bins') }}

),

bins_compared as (

    select
        scope,
        bin_index,
        sum(case when trigger = 'all' then rounds else 0 end) as all_rounds,
        sum(case when trigger <> 'all' then rounds else 0 end) as trigger_rounds,
        sum(case when trigger = 'all' then append_tokens else 0 end) as all_tokens,
        sum(case when trigger <> 'all' then append_tokens else 0 end) as trigger_tokens
    from bins
    group by scope, bin_index

),

final as (

    select *
    from bins_compared
    where all_rounds <> trigger_rounds or all_tokens <> trigger_tokens

)

select * from final
