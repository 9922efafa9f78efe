{#- One row per (scope, trigger): step and append-token counts, the mean and percentiles of the
    step hit ratios, and the shares of steps and of append tokens per hit-ratio band. Shares are
    percentages (share x 100); NULL where undefined (empty group, or no append tokens). #}

{%- set quantile_names = ['p01', 'p05', 'p10', 'p25', 'median', 'p75', 'p90', 'p95', 'p99'] %}
{%- set round_bands = [
    ('lt_0_5', 'hit_ratio < cast(0.5 as double)'),
    ('0_5_to_0_9', 'hit_ratio >= cast(0.5 as double) and hit_ratio < cast(0.9 as double)'),
    ('gte_0_9', 'hit_ratio >= cast(0.9 as double)'),
    ('gte_0_95', 'hit_ratio >= cast(0.95 as double)'),
    ('gte_0_98', 'hit_ratio >= cast(0.98 as double)'),
    ('gte_0_99', 'hit_ratio >= cast(0.99 as double)'),
] %}
{%- set append_bands = round_bands[:3] %}

with

groups as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order
    from {{ ref('int_groups_enumerated') }}

),

group_steps as (

    select
        scope,
        trigger,
        hit_ratio,
        append_tokens
    from {{ ref('int_steps_fanned_to_groups') }}
    where is_eligible

),

percentiles as (

    select
        scope,
        trigger,
        quantile_name,
        percentile_value
    from {{ ref('int_group_percentiles_interpolated') }}

),

groups_aggregated as (

    select
        {%- for band, condition in round_bands %}
        sum(case when {{ condition }} then 1 else 0 end) as rounds_{{ band }},
        {%- endfor %}
        {%- for band, condition in append_bands %}
        {{ sum_exact('case when ' ~ condition ~ ' then append_tokens else 0 end') }} as append_tokens_{{ band }},
        {%- endfor %}
        scope,
        trigger,
        count(*) as rounds,
        {{ sum_exact('append_tokens') }} as append_tokens,
        {{ mean_of_ratios('hit_ratio') }} as mean_hit_ratio
    from group_steps
    group by scope, trigger

),

percentiles_pivoted as (

    select
        {%- for name in quantile_names %}
        max(case when quantile_name = '{{ name }}' then percentile_value end) as {{ name }},
        {%- endfor %}
        scope,
        trigger
    from percentiles
    group by scope, trigger

),

final as (

    select
        groups.scope,
        groups.trigger,
        coalesce(groups_aggregated.rounds, 0) as rounds,
        coalesce(groups_aggregated.append_tokens, 0) as append_tokens,
        groups_aggregated.mean_hit_ratio,
        {%- for name in quantile_names %}
        percentiles_pivoted.{{ name }},
        {%- endfor %}
        {%- for band, condition in round_bands %}
        {{ share_pct('groups_aggregated.rounds_' ~ band, 'coalesce(groups_aggregated.rounds, 0)') }} as round_hit_{{ band }}_pct,
        {%- endfor %}
        {%- for band, condition in append_bands %}
        {{ share_pct('groups_aggregated.append_tokens_' ~ band, 'coalesce(groups_aggregated.append_tokens, 0)') }} as append_hit_{{ band }}_pct,
        {%- endfor %}
        groups.scope_order,
        groups.trigger_order
    from groups
    left join groups_aggregated
        on
            groups.scope = groups_aggregated.scope
            and groups.trigger = groups_aggregated.trigger
    left join percentiles_pivoted
        on
            groups.scope = percentiles_pivoted.scope
            and groups.trigger = percentiles_pivoted.trigger

)

select * from final
