{#- The idle-gap table (grain: scope, trigger): scopes merged, claude, codex x triggers all, user,
    tool_result, every row present. For each group: measured steps, low-hit steps, steps with a
    gap and how many exceed the idle threshold (all, low-hit, not low-hit), the shares in
    percent, and the median and p90 of the gaps (all steps and low-hit steps) by the method's
    linear-interpolation percentile. #}

with

measured_steps as (

    select
        provider,
        trigger,
        gap_seconds,
        is_low_hit,
        is_long_gap
    from {{ ref('int_idle_gap_steps') }}

),

scopes as (

    select
        scope_order,
        scope
    from {{ ref('canonical_scopes') }}

),

triggers as (

    select
        trigger_order,
        trigger
    from {{ ref('group_triggers') }}

),

time_measures as (

    select
        trigger,
        time_measure
    from {{ ref('idle_gap_time_measures') }}

),

parameters as (

    select
        low_hit_threshold,
        idle_threshold_seconds
    from {{ ref('idle_gap_parameters') }}

),

steps_fanned as (

    {#- every step counts in (merged | its provider) x (all | its trigger) #}
    select 'merged' as scope, 'all' as trigger, gap_seconds, is_low_hit, is_long_gap from measured_steps
    union all
    select 'merged' as scope, trigger, gap_seconds, is_low_hit, is_long_gap from measured_steps
    union all
    select provider as scope, 'all' as trigger, gap_seconds, is_low_hit, is_long_gap from measured_steps
    union all
    select provider as scope, trigger, gap_seconds, is_low_hit, is_long_gap from measured_steps

),

groups_counted as (

    select
        scope,
        trigger,
        count(*) as rounds,
        sum(case when is_low_hit then 1 else 0 end) as low_hit_rounds,
        sum(case when is_low_hit and gap_seconds is not null then 1 else 0 end) as low_with_gap,
        sum(case when is_low_hit and is_long_gap then 1 else 0 end) as low_gt_idle,
        sum(case when gap_seconds is not null then 1 else 0 end) as all_with_gap,
        sum(case when is_long_gap then 1 else 0 end) as all_gt_idle,
        sum(case when not is_low_hit and gap_seconds is not null then 1 else 0 end) as nonlow_with_gap,
        sum(case when not is_low_hit and is_long_gap then 1 else 0 end) as nonlow_gt_idle
    from steps_fanned
    group by scope, trigger

),

gaps_listed as (

    select scope, trigger, 'all' as gap_list, gap_seconds from steps_fanned
    where gap_seconds is not null
    union all
    select scope, trigger, 'low' as gap_list, gap_seconds from steps_fanned
    where gap_seconds is not null and is_low_hit

),

gaps_ranked as (

    select
        scope,
        trigger,
        gap_list,
        gap_seconds,
        row_number() over (partition by scope, trigger, gap_list order by gap_seconds) - 1 as gap_rank
    from gaps_listed

),

gaps_counted as (

    select
        scope,
        trigger,
        gap_list,
        count(*) as gap_count
    from gaps_listed
    group by scope, trigger, gap_list

),

quantiles as (

    select cast(0.5 as double) as quantile
    union all
    select cast(0.9 as double) as quantile

),

positions as (

    select
        gaps_counted.scope,
        gaps_counted.trigger,
        gaps_counted.gap_list,
        quantiles.quantile,
        cast(gaps_counted.gap_count - 1 as double) * quantiles.quantile as position
    from gaps_counted
    cross join quantiles

),

ranks_needed as (

    {#- the two ranks each percentile reads: an equality join, one row per rank #}
    select scope, trigger, gap_list, quantile, position, floor(position) as gap_rank from positions
    union
    select scope, trigger, gap_list, quantile, position, ceil(position) as gap_rank from positions

),

percentiles as (

    select
        ranks_needed.scope,
        ranks_needed.trigger,
        ranks_needed.gap_list,
        ranks_needed.quantile,
        {{ percentile_linear(
            'ranks_needed.position',
            'floor(ranks_needed.position)',
            'ceil(ranks_needed.position)',
            'max(case when gaps_ranked.gap_rank = floor(ranks_needed.position) then gaps_ranked.gap_seconds end)',
            'max(case when gaps_ranked.gap_rank = ceil(ranks_needed.position) then gaps_ranked.gap_seconds end)'
        ) }} as gap_percentile_seconds
    from ranks_needed
    inner join gaps_ranked
        on ranks_needed.scope = gaps_ranked.scope
            and ranks_needed.trigger = gaps_ranked.trigger
            and ranks_needed.gap_list = gaps_ranked.gap_list
            and ranks_needed.gap_rank = gaps_ranked.gap_rank
    group by
        ranks_needed.scope,
        ranks_needed.trigger,
        ranks_needed.gap_list,
        ranks_needed.quantile,
        ranks_needed.position

),

percentiles_pivoted as (

    select
        scope,
        trigger,
        max(case when gap_list = 'low' and quantile = cast(0.5 as double) then gap_percentile_seconds end) as low_gap_median_s,
        max(case when gap_list = 'low' and quantile = cast(0.9 as double) then gap_percentile_seconds end) as low_gap_p90_s,
        max(case when gap_list = 'all' and quantile = cast(0.5 as double) then gap_percentile_seconds end) as all_gap_median_s,
        max(case when gap_list = 'all' and quantile = cast(0.9 as double) then gap_percentile_seconds end) as all_gap_p90_s
    from percentiles
    group by scope, trigger

),

final as (

    select
        scopes.scope_order,
        triggers.trigger_order,
        scopes.scope,
        triggers.trigger,
        time_measures.time_measure,
        coalesce(groups_counted.rounds, 0) as rounds,
        parameters.low_hit_threshold,
        parameters.idle_threshold_seconds,
        coalesce(groups_counted.low_hit_rounds, 0) as low_hit_rounds,
        coalesce(groups_counted.low_with_gap, 0) as low_with_gap,
        coalesce(groups_counted.low_gt_idle, 0) as low_gt_idle,
        {{ share_pct('groups_counted.low_gt_idle', 'groups_counted.low_with_gap') }} as low_gt_idle_share,
        coalesce(groups_counted.all_with_gap, 0) as all_with_gap,
        coalesce(groups_counted.all_gt_idle, 0) as all_gt_idle,
        {{ share_pct('groups_counted.all_gt_idle', 'groups_counted.all_with_gap') }} as all_gt_idle_share,
        coalesce(groups_counted.nonlow_with_gap, 0) as nonlow_with_gap,
        coalesce(groups_counted.nonlow_gt_idle, 0) as nonlow_gt_idle,
        {{ share_pct('groups_counted.nonlow_gt_idle', 'groups_counted.nonlow_with_gap') }} as nonlow_gt_idle_share,
        percentiles_pivoted.low_gap_median_s,
        percentiles_pivoted.low_gap_p90_s,
        percentiles_pivoted.all_gap_median_s,
        percentiles_pivoted.all_gap_p90_s
    from scopes
    cross join triggers
    cross join parameters
    inner join time_measures
        on triggers.trigger = time_measures.trigger
    left join groups_counted
        on scopes.scope = groups_counted.scope
            and triggers.trigger = groups_counted.trigger
    left join percentiles_pivoted
        on scopes.scope = percentiles_pivoted.scope
            and triggers.trigger = percentiles_pivoted.trigger

)

select * from final
