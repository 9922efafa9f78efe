{#- The thinking-time counterfactual table (grain: scope): scopes merged, claude, codex, every row
    present. Observed and counterfactual token sums and costs (priced steps only), the user steps
    whose append the retained cache would reduce, and the cost saved and idle gap per reduced
    step (count, mean, p50, p90 by the reference's percentile, macro percentile_nearest_pair). #}

with

steps as (

    select *
    from {{ ref('int_idle_counterfactual_steps') }}

),

scopes as (

    select
        scope_order,
        scope
    from {{ ref('canonical_scopes') }}

),

prices as (

    select max(applies_from) as latest_applies_from
    from {{ ref('stg_prices__model_prices') }}

),

steps_fanned as (

    select 'merged' as scope, steps.* from steps
    union all
    select steps.provider_scope as scope, steps.* from steps

),

scopes_summed as (

    select
        scope,
        count(*) as rounds,
        sum(case when is_user_step then 1 else 0 end) as user_rounds,
        sum(case when is_user_step and has_predecessor then 1 else 0 end) as user_rounds_with_predecessor,
        sum(case when is_user_step and has_predecessor and append_tokens > counterfactual_append_tokens then 1 else 0 end) as user_rounds_reduced,
        sum(case when is_user_step and has_predecessor and append_tokens < counterfactual_append_tokens then 1 else 0 end) as user_rounds_increased,
        {{ sum_exact('append_tokens') }} as observed_append_tokens,
        {{ sum_exact('counterfactual_append_tokens') }} as counterfactual_append_tokens,
        {{ sum_exact('case when is_user_step and has_predecessor then append_tokens else 0 end') }} as observed_user_append_tokens,
        {{ sum_exact('case when is_user_step and has_predecessor then counterfactual_append_tokens else 0 end') }} as counterfactual_user_append_tokens,
        {{ sum_exact('prefix_tokens') }} as observed_prefix_tokens,
        {{ sum_exact('counterfactual_prefix_tokens') }} as counterfactual_prefix_tokens,
        {{ sum_exact('output_tokens') }} as output_tokens,
        sum(case when is_priced then 1 else 0 end) as priced_rounds,
        sum(case when is_priced then 0 else 1 end) as unpriced_rounds,
        coalesce({{ sum_decimal('observed_input_cost_usd') }}, cast(0 as double)) as observed_input_cost_usd,
        coalesce({{ sum_decimal('counterfactual_input_cost_usd') }}, cast(0 as double)) as counterfactual_input_cost_usd,
        coalesce({{ sum_decimal('observed_total_cost_usd') }}, cast(0 as double)) as observed_total_cost_usd,
        coalesce({{ sum_decimal('counterfactual_total_cost_usd') }}, cast(0 as double)) as counterfactual_total_cost_usd
    from steps_fanned
    group by scope

),

samples_listed as (

    {#- per reduced step: the cost it saves (priced and > 0) and its idle gap (when measured) #}
    select
        scope,
        'cost_saved' as sample_kind,
        observed_total_cost_usd - counterfactual_total_cost_usd as sample_value
    from steps_fanned
    where
        is_user_step and has_predecessor and append_tokens > counterfactual_append_tokens
        and is_priced and observed_total_cost_usd - counterfactual_total_cost_usd > 0
    union all
    select
        scope,
        'idle_gap' as sample_kind,
        idle_gap_seconds as sample_value
    from steps_fanned
    where
        is_user_step and has_predecessor and append_tokens > counterfactual_append_tokens
        and idle_gap_seconds is not null

),

samples_ranked as (

    select
        scope,
        sample_kind,
        sample_value,
        row_number() over (partition by scope, sample_kind order by sample_value) - 1 as sample_rank,
        count(*) over (partition by scope, sample_kind) as sample_count
    from samples_listed

),

quantiles as (

    select cast(0.5 as double) as quantile
    union all
    select cast(0.9 as double) as quantile

),

positions as (

    select distinct
        samples_ranked.scope,
        samples_ranked.sample_kind,
        samples_ranked.sample_count,
        quantiles.quantile,
        cast(samples_ranked.sample_count - 1 as double) * quantiles.quantile as position
    from samples_ranked
    cross join quantiles

),

percentiles as (

    select
        positions.scope,
        positions.sample_kind,
        positions.quantile,
        {{ percentile_nearest_pair(
            'positions.position',
            'floor(positions.position)',
            'positions.sample_count',
            'max(case when samples_ranked.sample_rank = floor(positions.position) then samples_ranked.sample_value end)',
            'max(case when samples_ranked.sample_rank = least(floor(positions.position) + 1, positions.sample_count - 1) then samples_ranked.sample_value end)'
        ) }} as sample_percentile
    from positions
    inner join samples_ranked
        on positions.scope = samples_ranked.scope
            and positions.sample_kind = samples_ranked.sample_kind
            and samples_ranked.sample_rank in (floor(positions.position), least(floor(positions.position) + 1, positions.sample_count - 1))
    group by
        positions.scope,
        positions.sample_kind,
        positions.quantile,
        positions.position,
        positions.sample_count

),

samples_summarised as (

    select
        scope,
        sample_kind,
        count(*) as sample_count,
        {{ sum_decimal('sample_value') }} / count(*) as sample_mean
    from samples_listed
    group by scope, sample_kind

),

samples_pivoted as (

    select
        scopes.scope,
        max(case when samples_summarised.sample_kind = 'cost_saved' then samples_summarised.sample_count end) as cost_saved_samples,
        max(case when samples_summarised.sample_kind = 'cost_saved' then samples_summarised.sample_mean end) as cost_saved_avg,
        max(case when samples_summarised.sample_kind = 'idle_gap' then samples_summarised.sample_count end) as idle_gap_samples,
        max(case when samples_summarised.sample_kind = 'idle_gap' then samples_summarised.sample_mean end) as idle_gap_avg
    from scopes
    left join samples_summarised
        on scopes.scope = samples_summarised.scope
    group by scopes.scope

),

percentiles_pivoted as (

    select
        scope,
        max(case when sample_kind = 'cost_saved' and quantile = cast(0.5 as double) then sample_percentile end) as cost_saved_p50,
        max(case when sample_kind = 'cost_saved' and quantile = cast(0.9 as double) then sample_percentile end) as cost_saved_p90,
        max(case when sample_kind = 'idle_gap' and quantile = cast(0.5 as double) then sample_percentile end) as idle_gap_p50,
        max(case when sample_kind = 'idle_gap' and quantile = cast(0.9 as double) then sample_percentile end) as idle_gap_p90
    from percentiles
    group by scope

),

final as (

    select
        scopes.scope_order,
        scopes.scope,
        coalesce(scopes_summed.rounds, 0) as rounds,
        coalesce(scopes_summed.user_rounds, 0) as user_rounds,
        coalesce(scopes_summed.user_rounds_with_predecessor, 0) as user_rounds_with_predecessor,
        coalesce(scopes_summed.user_rounds_reduced, 0) as user_rounds_reduced,
        coalesce(scopes_summed.user_rounds_increased, 0) as user_rounds_increased,
        coalesce(scopes_summed.observed_append_tokens, 0) as observed_append_tokens,
        coalesce(scopes_summed.counterfactual_append_tokens, 0) as counterfactual_append_tokens,
        coalesce(scopes_summed.observed_append_tokens - scopes_summed.counterfactual_append_tokens, 0) as append_reduction_tokens,
        case
            when scopes_summed.observed_append_tokens > 0
                then cast(scopes_summed.observed_append_tokens - scopes_summed.counterfactual_append_tokens as double)
                    / cast(scopes_summed.observed_append_tokens as double)
        end as append_reduction_pct_of_all_append,
        coalesce(scopes_summed.observed_user_append_tokens, 0) as observed_user_append_tokens,
        coalesce(scopes_summed.counterfactual_user_append_tokens, 0) as counterfactual_user_append_tokens,
        coalesce(scopes_summed.observed_user_append_tokens - scopes_summed.counterfactual_user_append_tokens, 0) as user_append_reduction_tokens,
        case
            when scopes_summed.observed_user_append_tokens > 0
                then cast(scopes_summed.observed_user_append_tokens - scopes_summed.counterfactual_user_append_tokens as double)
                    / cast(scopes_summed.observed_user_append_tokens as double)
        end as user_append_reduction_pct,
        coalesce(scopes_summed.observed_prefix_tokens, 0) as observed_prefix_tokens,
        coalesce(scopes_summed.counterfactual_prefix_tokens, 0) as counterfactual_prefix_tokens,
        coalesce(scopes_summed.output_tokens, 0) as output_tokens,
        coalesce(scopes_summed.priced_rounds, 0) as priced_rounds,
        coalesce(scopes_summed.unpriced_rounds, 0) as unpriced_rounds,
        coalesce(scopes_summed.observed_input_cost_usd, cast(0 as double)) as observed_input_cost_usd,
        coalesce(scopes_summed.counterfactual_input_cost_usd, cast(0 as double)) as counterfactual_input_cost_usd,
        coalesce(scopes_summed.observed_input_cost_usd - scopes_summed.counterfactual_input_cost_usd, cast(0 as double)) as input_cost_reduction_usd,
        coalesce(scopes_summed.observed_total_cost_usd, cast(0 as double)) as observed_total_cost_usd,
        coalesce(scopes_summed.counterfactual_total_cost_usd, cast(0 as double)) as counterfactual_total_cost_usd,
        coalesce(scopes_summed.observed_total_cost_usd - scopes_summed.counterfactual_total_cost_usd, cast(0 as double)) as total_cost_reduction_usd,
        case
            when scopes_summed.observed_total_cost_usd <> 0
                then (scopes_summed.observed_total_cost_usd - scopes_summed.counterfactual_total_cost_usd) / scopes_summed.observed_total_cost_usd
        end as total_cost_reduction_pct,
        coalesce(samples_pivoted.cost_saved_samples, 0) as cost_saved_per_reduced_step_samples,
        samples_pivoted.cost_saved_avg as cost_saved_per_reduced_step_avg_usd,
        percentiles_pivoted.cost_saved_p50 as cost_saved_per_reduced_step_p50_usd,
        percentiles_pivoted.cost_saved_p90 as cost_saved_per_reduced_step_p90_usd,
        coalesce(samples_pivoted.idle_gap_samples, 0) as idle_gap_per_reduced_step_samples,
        samples_pivoted.idle_gap_avg as idle_gap_per_reduced_step_avg_seconds,
        percentiles_pivoted.idle_gap_p50 as idle_gap_per_reduced_step_p50_seconds,
        percentiles_pivoted.idle_gap_p90 as idle_gap_per_reduced_step_p90_seconds,
        substr(cast(prices.latest_applies_from as {{ 'string' if target.type == 'spark' else 'varchar' }}), 1, 7) as pricing_as_of
    from scopes
    cross join prices
    left join scopes_summed
        on scopes.scope = scopes_summed.scope
    left join samples_pivoted
        on scopes.scope = samples_pivoted.scope
    left join percentiles_pivoted
        on scopes.scope = percentiles_pivoted.scope

)

select * from final
