-- depends_on: {{ ref('quantiles') }}
-- depends_on: {{ ref('hit_ratio_thresholds') }}
{#- One row per (scope, trigger): step and append-token counts, the mean and percentiles of the
    step hit ratios, and the shares of steps and of append tokens per hit-ratio threshold (seed
    hit_ratio_thresholds; the column names are those of docs/outputs.md). Shares are percentages (share x 100);
    NULL where undefined (empty group, or no append tokens). Eligible steps only. #}

{%- set quantiles = seed_rows('quantiles', 'quantile_index') %}
{%- set thresholds = seed_rows('hit_ratio_thresholds', 'threshold_order') %}

with

groups as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order
    from {{ ref('int_groups_enumerated') }}

),

eligible_steps as (

    select
        scope,
        trigger,
        hit_ratio,
        append_tokens
    from {{ ref('int_steps_classified') }}
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

steps_thresholded as (

    select
        {%- for threshold in thresholds %}
        case when {{ hit_ratio_in_threshold('hit_ratio', threshold) }} then 1 else 0 end as in_{{ threshold.threshold_name }},
        {%- if threshold.weights_append_tokens %}
        case when {{ hit_ratio_in_threshold('hit_ratio', threshold) }} then append_tokens else 0 end as append_tokens_{{ threshold.threshold_name }},
        {%- endif %}
        {%- endfor %}
        scope,
        trigger,
        hit_ratio,
        append_tokens
    from eligible_steps

),

groups_aggregated as (

    select
        {%- for threshold in thresholds %}
        sum(in_{{ threshold.threshold_name }}) as rounds_{{ threshold.threshold_name }},
        {%- if threshold.weights_append_tokens %}
        {{ sum_exact('append_tokens_' ~ threshold.threshold_name) }} as append_tokens_{{ threshold.threshold_name }},
        {%- endif %}
        {%- endfor %}
        {{ group_label('scope', 'merged') }} as scope,
        {{ group_label('trigger', 'all') }} as trigger,
        count(*) as rounds,
        {{ sum_exact('append_tokens') }} as append_tokens,
        {{ mean_of_ratios('hit_ratio') }} as mean_hit_ratio
    from steps_thresholded
    group by cube(scope, trigger)

),

percentiles_pivoted as (

    select
        {%- for quantile in quantiles %}
        max(case when quantile_name = '{{ quantile.quantile_name }}' then percentile_value end) as {{ quantile.quantile_name }},
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
        {%- for quantile in quantiles %}
        percentiles_pivoted.{{ quantile.quantile_name }},
        {%- endfor %}
        {%- for threshold in thresholds %}
        {{ share_pct('groups_aggregated.rounds_' ~ threshold.threshold_name, 'coalesce(groups_aggregated.rounds, 0)') }} as round_hit_{{ threshold.threshold_name }}_pct,
        {%- endfor %}
        {%- for threshold in thresholds if threshold.weights_append_tokens %}
        {{ share_pct('groups_aggregated.append_tokens_' ~ threshold.threshold_name, 'coalesce(groups_aggregated.append_tokens, 0)') }} as append_hit_{{ threshold.threshold_name }}_pct,
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
