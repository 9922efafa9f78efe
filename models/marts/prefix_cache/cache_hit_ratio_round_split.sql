{#- One row per (scope, trigger, round-split bucket), all 4 buckets for every group: the
    eligible steps in the bucket and their share (x 100) of the group's steps; NULL share for an
    empty group. (`rounds` is the original analysis's word for steps.) #}

with

groups as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order
    from {{ ref('int_groups_enumerated') }}

),

round_split_buckets as (

    select
        bucket_index,
        bucket_label
    from {{ ref('round_split_buckets') }}

),

eligible_steps as (

    select
        scope,
        trigger,
        round_split_bucket_index
    from {{ ref('int_steps_classified') }}
    where is_eligible

),

groups_totalled as (

    select
        {{ group_label('scope', 'merged') }} as scope,
        {{ group_label('trigger', 'all') }} as trigger,
        count(*) as group_rounds
    from eligible_steps
    group by cube(scope, trigger)

),

buckets_counted as (

    select
        {{ group_label('scope', 'merged') }} as scope,
        {{ group_label('trigger', 'all') }} as trigger,
        round_split_bucket_index,
        count(*) as rounds
    from eligible_steps
    group by round_split_bucket_index, cube(scope, trigger)

),

final as (

    select
        groups.scope,
        groups.trigger,
        groups.scope_order,
        groups.trigger_order,
        round_split_buckets.bucket_index,
        round_split_buckets.bucket_label as hit_ratio_bucket,
        coalesce(buckets_counted.rounds, 0) as rounds,
        {{ share_pct('coalesce(buckets_counted.rounds, 0)', 'coalesce(groups_totalled.group_rounds, 0)') }} as round_share
    from groups
    cross join round_split_buckets
    left join groups_totalled
        on
            groups.scope = groups_totalled.scope
            and groups.trigger = groups_totalled.trigger
    left join buckets_counted
        on
            groups.scope = buckets_counted.scope
            and groups.trigger = buckets_counted.trigger
            and round_split_buckets.bucket_index = buckets_counted.round_split_bucket_index

)

select * from final
