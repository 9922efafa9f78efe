{#- One row per step (grain: step_id): the thinking-time counterfactual (docs/method.md). Steps
    are walked in file order; a step's predecessor is the previous step with the same session
    id (whatever its provider). A user step with a predecessor keeps as append only what its
    context grew by since the predecessor (context_growth = max(0, total - total of the
    predecessor)); the rest of its append moves to the cached prefix, as if the cache had
    survived the user's thinking time. Every other step keeps its split. Observed and
    counterfactual costs are priced with the step's model (int_step_prices_matched); an
    unpriced step has no cost. #}

with

steps as (

    select
        step_id,
        coalesce(provider, 'unknown') as provider_scope,
        session_id,
        model,
        coalesce(prefix_tokens, 0) as prefix_tokens,
        coalesce(newly_append_tokens, 0) as append_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        least(coalesce(claude_cache_creation_input_tokens, 0), coalesce(newly_append_tokens, 0)) as cache_write_tokens,
        coalesce(prefix_tokens, 0) + coalesce(newly_append_tokens, 0) as total_input_tokens,
        coalesce(first_timing_event_type = 'user_message', false) as is_user_step,
        coalesce(first_event_at_us, earliest_activity_us) as first_activity_us,
        last_activity_us
    from {{ ref('int_step_activity') }}

),

prices as (

    select *
    from {{ ref('int_step_prices_matched') }}

),

steps_chained as (

    select
        *,
        case
            when session_id is not null
                then lag(step_id) over (partition by session_id order by step_id)
        end as predecessor_step_id,
        lag(total_input_tokens) over (partition by session_id order by step_id) as predecessor_total_input_tokens,
        lag(last_activity_us) over (partition by session_id order by step_id) as predecessor_last_activity_us
    from steps

),

steps_retained as (

    select
        *,
        predecessor_step_id is not null as has_predecessor,
        case
            when is_user_step and predecessor_step_id is not null
                then least(append_tokens, greatest(0, total_input_tokens - predecessor_total_input_tokens))
            else append_tokens
        end as counterfactual_append_tokens,
        case
            when is_user_step and predecessor_step_id is not null and first_activity_us >= predecessor_last_activity_us
                then cast(first_activity_us - predecessor_last_activity_us as double) / cast(1000000 as double)
        end as idle_gap_seconds
    from steps_chained

),

steps_split as (

    select
        *,
        total_input_tokens - counterfactual_append_tokens as counterfactual_prefix_tokens,
        least(
            greatest(0, cache_write_tokens - greatest(0, append_tokens - counterfactual_append_tokens)),
            counterfactual_append_tokens
        ) as counterfactual_cache_write_tokens
    from steps_retained

),

steps_priced as (

    select
        steps_split.*,
        coalesce(prices.is_priced, false) as is_priced,
        prices.input_per_mtok / cast(1000000 as double) as input_usd_per_token,
        prices.cache_write_5m_per_mtok / cast(1000000 as double) as cache_write_usd_per_token,
        prices.cache_read_per_mtok / cast(1000000 as double) as cache_read_usd_per_token,
        prices.output_per_mtok / cast(1000000 as double) as output_usd_per_token
    from steps_split
    left join prices
        on steps_split.provider_scope = prices.provider_scope
            and steps_split.model = prices.model

),

steps_costed as (

    select
        *,
        {{ idle_input_cost('append_tokens', 'cache_write_tokens') }} as observed_input_cost_usd,
        {{ idle_input_cost('counterfactual_append_tokens', 'counterfactual_cache_write_tokens') }} as counterfactual_input_cost_usd,
        case when is_priced then prefix_tokens * cache_read_usd_per_token end as observed_cached_cost_usd,
        case when is_priced then counterfactual_prefix_tokens * cache_read_usd_per_token end as counterfactual_cached_cost_usd,
        case when is_priced then output_tokens * output_usd_per_token end as output_cost_usd
    from steps_priced

),

final as (

    select
        step_id,
        provider_scope,
        session_id,
        model,
        is_user_step,
        has_predecessor,
        predecessor_step_id,
        prefix_tokens,
        append_tokens,
        output_tokens,
        cache_write_tokens,
        counterfactual_prefix_tokens,
        counterfactual_append_tokens,
        counterfactual_cache_write_tokens,
        idle_gap_seconds,
        is_priced,
        observed_input_cost_usd,
        counterfactual_input_cost_usd,
        observed_input_cost_usd + observed_cached_cost_usd + output_cost_usd as observed_total_cost_usd,
        counterfactual_input_cost_usd + counterfactual_cached_cost_usd + output_cost_usd as counterfactual_total_cost_usd
    from steps_costed

)

select * from final
