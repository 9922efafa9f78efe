{#- One row per (scope, trigger, colour band of the figures): the eligible steps and append
    tokens whose bin falls in the band (red: hit ratio <= 0.4, amber: 0.4 < ratio <= 0.8, blue:
    above; seed hit_ratio_bands), with their shares (x 100) of the group. These are the exact
    numbers behind each colour of Fig. 1 and Fig. 2; the summary's thresholds (0.5, 0.9) are a
    different partition (docs/outputs.md). #}

with

bins as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order,
        band,
        rounds,
        append_tokens,
        group_rounds,
        group_append_tokens
    from {{ ref('cache_hit_ratio_bins') }}

),

hit_ratio_bands as (

    select
        band_order,
        band,
        band_color,
        band_label
    from {{ ref('hit_ratio_bands') }}

),

bands_summed as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order,
        band,
        sum(rounds) as rounds,
        {{ sum_exact('append_tokens') }} as append_tokens,
        max(group_rounds) as group_rounds,
        max(group_append_tokens) as group_append_tokens
    from bins
    group by scope, trigger, scope_order, trigger_order, band

),

final as (

    select
        bands_summed.scope,
        bands_summed.trigger,
        bands_summed.scope_order,
        bands_summed.trigger_order,
        hit_ratio_bands.band_order,
        hit_ratio_bands.band,
        hit_ratio_bands.band_label,
        hit_ratio_bands.band_color,
        bands_summed.rounds,
        {{ share_pct('bands_summed.rounds', 'bands_summed.group_rounds') }} as round_share,
        bands_summed.append_tokens,
        {{ share_pct('bands_summed.append_tokens', 'bands_summed.group_append_tokens') }} as append_token_share
    from bands_summed
    inner join hit_ratio_bands
        on bands_summed.band = hit_ratio_bands.band

)

select * from final
