{#- One row per (scope, trigger, hit-ratio bin), all 14 bins for every group: the eligible steps
    in the bin and their append tokens, each with its share (x 100) of the group's total, and
    the bin's band and colour (the figures draw this mart); NULL shares where the group has no
    steps (resp. no append tokens). #}

with

groups as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order
    from {{ ref('int_groups_enumerated') }}

),

hit_ratio_bins as (

    select
        bin_index,
        bin_label,
        upper_edge,
        band
    from {{ ref('hit_ratio_bins') }}

),

hit_ratio_bands as (

    select
        band,
        band_color,
        band_label
    from {{ ref('hit_ratio_bands') }}

),

eligible_steps as (

    select
        scope,
        trigger,
        hit_bin_index,
        append_tokens
    from {{ ref('int_steps_classified') }}
    where is_eligible

),

groups_totalled as (

    select
        {{ group_label('scope', 'merged') }} as scope,
        {{ group_label('trigger', 'all') }} as trigger,
        count(*) as group_rounds,
        {{ sum_exact('append_tokens') }} as group_append_tokens
    from eligible_steps
    group by cube(scope, trigger)

),

bins_counted as (

    select
        {{ group_label('scope', 'merged') }} as scope,
        {{ group_label('trigger', 'all') }} as trigger,
        hit_bin_index,
        count(*) as rounds,
        {{ sum_exact('append_tokens') }} as append_tokens
    from eligible_steps
    group by hit_bin_index, cube(scope, trigger)

),

group_bins as (

    select
        groups.scope,
        groups.trigger,
        groups.scope_order,
        groups.trigger_order,
        hit_ratio_bins.bin_index,
        hit_ratio_bins.bin_label,
        hit_ratio_bins.upper_edge,
        hit_ratio_bins.band,
        hit_ratio_bands.band_color,
        hit_ratio_bands.band_label
    from groups
    cross join hit_ratio_bins
    inner join hit_ratio_bands
        on hit_ratio_bins.band = hit_ratio_bands.band

),

final as (

    select
        group_bins.scope,
        group_bins.trigger,
        group_bins.scope_order,
        group_bins.trigger_order,
        group_bins.bin_index,
        group_bins.bin_label,
        group_bins.upper_edge,
        group_bins.band,
        group_bins.band_color,
        group_bins.band_label,
        coalesce(bins_counted.rounds, 0) as rounds,
        {{ share_pct('coalesce(bins_counted.rounds, 0)', 'coalesce(groups_totalled.group_rounds, 0)') }} as round_share,
        coalesce(bins_counted.append_tokens, 0) as append_tokens,
        {{ share_pct('coalesce(bins_counted.append_tokens, 0)', 'coalesce(groups_totalled.group_append_tokens, 0)') }} as append_token_share,
        coalesce(groups_totalled.group_rounds, 0) as group_rounds,
        coalesce(groups_totalled.group_append_tokens, 0) as group_append_tokens
    from group_bins
    left join groups_totalled
        on
            group_bins.scope = groups_totalled.scope
            and group_bins.trigger = groups_totalled.trigger
    left join bins_counted
        on
            group_bins.scope = bins_counted.scope
            and group_bins.trigger = bins_counted.trigger
            and group_bins.bin_index = bins_counted.hit_bin_index

)

select * from final
