{#- One row per (hit-ratio group, quantile): the percentile of the group's step hit ratios by
    the linear interpolation of docs/method.md, bit for bit (see macro percentile_linear). The eligible steps
    are sorted twice, not once per group: by hit ratio (ranks in the merged groups) and by
    scope, then hit ratio (ranks in each scope's groups); a step's rank within a trigger is a
    running count of that trigger over the same sort. Groups without steps have no rows. #}

with

eligible_steps as (

    select
        step_id,
        scope,
        trigger,
        hit_ratio
    from {{ ref('int_steps_classified') }}
    where is_eligible

),

triggers as (

    select
        trigger,
        trigger_order
    from {{ ref('group_triggers') }}
    where first_event_type is not null

),

steps_marked as (

    select
        eligible_steps.step_id,
        eligible_steps.scope,
        eligible_steps.trigger,
        eligible_steps.hit_ratio,
        case when triggers.trigger_order = (select min(first_trigger.trigger_order) from triggers as first_trigger) then 1 else 0 end as is_first_trigger
    from eligible_steps
    inner join triggers
        on eligible_steps.trigger = triggers.trigger

),

quantiles as (

    select
        quantile_name,
        quantile
    from {{ ref('quantiles') }}

),

group_sizes as (

    select
        case when grouping(scope) = 1 then 'merged' else scope end as scope,
        case when grouping(trigger) = 1 then 'all' else trigger end as trigger,
        count(*) as value_count
    from eligible_steps
    group by cube(scope, trigger)

),

steps_counted as (

    select
        scope,
        trigger,
        hit_ratio,
        is_first_trigger,
        row_number() over by_ratio as merged_count,
        sum(is_first_trigger) over by_ratio as merged_first_trigger_count,
        row_number() over by_scope_ratio as scope_count,
        sum(is_first_trigger) over by_scope_ratio as scope_first_trigger_count
    from steps_marked
    window
        -- step_id breaks ties, so that every count over a window sees the same order
        by_ratio as (order by hit_ratio, step_id rows between unbounded preceding and current row),
        by_scope_ratio as (partition by scope order by hit_ratio, step_id rows between unbounded preceding and current row)

),

steps_ranked as (

    select
        scope,
        trigger,
        hit_ratio,
        merged_count - 1 as merged_all_rank,
        case
            when is_first_trigger = 1 then merged_first_trigger_count
            else merged_count - merged_first_trigger_count
        end - 1 as merged_trigger_rank,
        scope_count - 1 as scope_all_rank,
        case
            when is_first_trigger = 1 then scope_first_trigger_count
            else scope_count - scope_first_trigger_count
        end - 1 as scope_trigger_rank
    from steps_counted

),

ranks_needed as (

    select
        group_sizes.scope,
        group_sizes.trigger,
        group_sizes.value_count,
        quantiles.quantile_name,
        quantiles.quantile,
        cast(group_sizes.value_count - 1 as double) * quantiles.quantile as position,
        cast(floor(cast(group_sizes.value_count - 1 as double) * quantiles.quantile) as bigint) as lower_rank,
        cast(ceil(cast(group_sizes.value_count - 1 as double) * quantiles.quantile) as bigint) as upper_rank
    from group_sizes
    cross join quantiles

),

values_at_ranks as (

    select 'merged' as scope, 'all' as trigger, merged_all_rank as value_rank, hit_ratio from steps_ranked
    union all
    select 'merged' as scope, trigger, merged_trigger_rank as value_rank, hit_ratio from steps_ranked
    union all
    select scope, 'all' as trigger, scope_all_rank as value_rank, hit_ratio from steps_ranked
    union all
    select scope, trigger, scope_trigger_rank as value_rank, hit_ratio from steps_ranked

),

lower_values as (

    select
        ranks_needed.scope,
        ranks_needed.trigger,
        ranks_needed.quantile_name,
        values_at_ranks.hit_ratio as lower_value
    from ranks_needed
    inner join values_at_ranks
        on
            ranks_needed.scope = values_at_ranks.scope
            and ranks_needed.trigger = values_at_ranks.trigger
            and ranks_needed.lower_rank = values_at_ranks.value_rank

),

upper_values as (

    select
        ranks_needed.scope,
        ranks_needed.trigger,
        ranks_needed.quantile_name,
        values_at_ranks.hit_ratio as upper_value
    from ranks_needed
    inner join values_at_ranks
        on
            ranks_needed.scope = values_at_ranks.scope
            and ranks_needed.trigger = values_at_ranks.trigger
            and ranks_needed.upper_rank = values_at_ranks.value_rank

),

final as (

    select
        ranks_needed.scope,
        ranks_needed.trigger,
        ranks_needed.quantile_name,
        ranks_needed.quantile,
        ranks_needed.value_count,
        {{ percentile_linear('ranks_needed.position', 'ranks_needed.lower_rank', 'ranks_needed.upper_rank', 'lower_values.lower_value', 'upper_values.upper_value') }} as percentile_value
    from ranks_needed
    inner join lower_values
        on
            ranks_needed.scope = lower_values.scope
            and ranks_needed.trigger = lower_values.trigger
            and ranks_needed.quantile_name = lower_values.quantile_name
    inner join upper_values
        on
            ranks_needed.scope = upper_values.scope
            and ranks_needed.trigger = upper_values.trigger
            and ranks_needed.quantile_name = upper_values.quantile_name

)

select * from final
