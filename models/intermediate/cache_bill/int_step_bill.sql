{#- One row per step of the steps contract (grain: step_id): its bill (docs/method.md). The
    input (prefix + append) splits into four buckets: cache read = the prefix; cache write =
    the Claude cache creation, capped by the append (0 without one: Codex writes cost nothing
    extra), of which the 1-hour part is the logged ephemeral_1h count (capped by the write)
    and the rest 5-minute -- all of it when the split is not known; uncached input = the rest
    of the append. Codex's cached tokens are the prefix, inside its input, never added again;
    its reasoning is inside its output. Dollars per bucket at the step's model's rates
    (int_step_prices_matched; the 1-hour rate from the same price row, else the 5-minute
    rate); NULL when the model has no price. #}

with

steps as (

    select
        step_id,
        provider,
        coalesce(provider, 'unknown') as provider_scope,
        project,
        session_id,
        round_index,
        source_round_id,
        model,
        coalesce(is_subagent, false) as is_subagent,
        coalesce(prefix_tokens, 0) as prefix_tokens,
        coalesce(newly_append_tokens, 0) as append_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        claude_cache_creation_input_tokens
    from {{ ref('int_steps_unioned') }}

),

cache_writes as (

    select
        step_id,
        claude_cache_creation_5m_input_tokens,
        claude_cache_creation_1h_input_tokens
    from {{ ref('int_step_cache_writes') }}

),

prices as (

    select
        provider_scope,
        model,
        is_priced,
        price_match_order,
        input_per_mtok,
        cache_write_5m_per_mtok,
        cache_read_per_mtok,
        output_per_mtok
    from {{ ref('int_step_prices_matched') }}

),

price_rows as (

    select
        match_order,
        cache_write_1h_per_mtok
    from {{ ref('stg_prices__model_prices') }}

),

writes_capped as (

    select
        steps.*,
        least(greatest(coalesce(steps.claude_cache_creation_input_tokens, 0), 0), steps.append_tokens) as cache_write_tokens,
        cache_writes.claude_cache_creation_5m_input_tokens,
        cache_writes.claude_cache_creation_1h_input_tokens
    from steps
    left join cache_writes
        on steps.step_id = cache_writes.step_id

),

buckets_split as (

    select
        *,
        prefix_tokens + append_tokens as input_tokens,
        append_tokens - cache_write_tokens as uncached_input_tokens,
        prefix_tokens as cache_read_tokens,
        cache_write_tokens - least(greatest(coalesce(claude_cache_creation_1h_input_tokens, 0), 0), cache_write_tokens)
            as cache_write_5m_tokens,
        least(greatest(coalesce(claude_cache_creation_1h_input_tokens, 0), 0), cache_write_tokens) as cache_write_1h_tokens
    from writes_capped

),

rates_matched as (

    select
        buckets_split.*,
        coalesce(prices.is_priced, false) as is_priced,
        prices.input_per_mtok / cast(1000000 as double) as input_usd_per_token,
        prices.cache_read_per_mtok / cast(1000000 as double) as cache_read_usd_per_token,
        prices.cache_write_5m_per_mtok / cast(1000000 as double) as cache_write_5m_usd_per_token,
        coalesce(price_rows.cache_write_1h_per_mtok, prices.cache_write_5m_per_mtok) / cast(1000000 as double)
            as cache_write_1h_usd_per_token,
        prices.output_per_mtok / cast(1000000 as double) as output_usd_per_token
    from buckets_split
    left join prices
        on buckets_split.provider_scope = prices.provider_scope
            and buckets_split.model = prices.model
    left join price_rows
        on prices.price_match_order = price_rows.match_order

),

dollars_priced as (

    select
        *,
        case when is_priced then uncached_input_tokens * input_usd_per_token end as uncached_input_usd,
        case when is_priced then cache_read_tokens * cache_read_usd_per_token end as cache_read_usd,
        case when is_priced then cache_write_5m_tokens * cache_write_5m_usd_per_token end as cache_write_5m_usd,
        case when is_priced then cache_write_1h_tokens * cache_write_1h_usd_per_token end as cache_write_1h_usd,
        case when is_priced then output_tokens * output_usd_per_token end as output_usd
    from rates_matched

),

final as (

    select
        step_id,
        provider,
        provider_scope,
        project,
        session_id,
        round_index,
        source_round_id,
        model,
        is_subagent,
        prefix_tokens,
        append_tokens,
        input_tokens,
        uncached_input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        output_tokens,
        is_priced,
        input_usd_per_token,
        cache_read_usd_per_token,
        cache_write_5m_usd_per_token,
        cache_write_1h_usd_per_token,
        uncached_input_usd,
        cache_read_usd,
        cache_write_5m_usd,
        cache_write_1h_usd,
        uncached_input_usd + cache_write_5m_usd + cache_write_1h_usd as append_usd,
        uncached_input_usd + cache_read_usd + cache_write_5m_usd + cache_write_1h_usd as input_usd,
        output_usd
    from dollars_priced

)

select * from final
