{#- One row per (hit-ratio group, quantile): the percentile of the group's step hit ratios by
    SPEC 3's linear interpolation (macro percentile_linear). Groups without steps have no rows. #}

with

eligible_group_steps as (

    select
        scope,
        trigger,
        hit_ratio
    from {{ ref('int_steps_fanned_to_groups') }}
    where is_eligible

),

quantiles as (

    select
        quantile_name,
        quantile
    from {{ ref('quantiles') }}

),

percentiles_interpolated as (

    {{ percentile_linear('eligible_group_steps', 'hit_ratio', ['scope', 'trigger'], 'quantiles') }}

),

final as (

    select
        scope,
        trigger,
        quantile_name,
        quantile,
        value_count,
        percentile_value
    from percentiles_interpolated

)

select * from final
