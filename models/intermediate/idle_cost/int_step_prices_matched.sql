{#- One row per (provider, model) of the steps (grain: provider_scope, model) with the price that
    applies: the exact row of the provider and model, else the first family row (in match_order)
    whose model is a substring of the lowercased model id and whose provider is the step's or
    empty; no price (is_priced false) when nothing matches or the step has no model. #}

with

step_models as (

    select distinct
        coalesce(provider, 'unknown') as provider_scope,
        model
    from {{ ref('int_steps_unioned') }}

),

prices as (

    select *
    from {{ ref('stg_prices__model_prices') }}

),

exact_matches as (

    select
        step_models.provider_scope,
        step_models.model,
        prices.match_order,
        prices.input_per_mtok,
        prices.cache_write_5m_per_mtok,
        prices.cache_read_per_mtok,
        prices.output_per_mtok
    from step_models
    inner join prices
        on prices.match = 'exact'
            and step_models.provider_scope = prices.provider
            and step_models.model = prices.model

),

family_matches as (

    select
        step_models.provider_scope,
        step_models.model,
        prices.match_order,
        prices.input_per_mtok,
        prices.cache_write_5m_per_mtok,
        prices.cache_read_per_mtok,
        prices.output_per_mtok,
        row_number() over (
            partition by step_models.provider_scope, step_models.model
            order by prices.match_order
        ) as family_rank
    from step_models
    inner join prices
        on prices.match = 'family'
            and (prices.provider is null or step_models.provider_scope = prices.provider)
            and instr(lower(step_models.model), prices.model) > 0

),

final as (

    select
        step_models.provider_scope,
        step_models.model,
        coalesce(exact_matches.match_order, family_matches.match_order) is not null as is_priced,
        case when exact_matches.match_order is not null then 'exact' when family_matches.match_order is not null then 'family' end as price_match,
        coalesce(exact_matches.match_order, family_matches.match_order) as price_match_order,
        coalesce(exact_matches.input_per_mtok, family_matches.input_per_mtok) as input_per_mtok,
        case
            when exact_matches.match_order is not null then coalesce(exact_matches.cache_write_5m_per_mtok, exact_matches.input_per_mtok)
            else coalesce(family_matches.cache_write_5m_per_mtok, family_matches.input_per_mtok)
        end as cache_write_5m_per_mtok,
        coalesce(exact_matches.cache_read_per_mtok, family_matches.cache_read_per_mtok) as cache_read_per_mtok,
        coalesce(exact_matches.output_per_mtok, family_matches.output_per_mtok) as output_per_mtok
    from step_models
    left join exact_matches
        on step_models.provider_scope = exact_matches.provider_scope
            and step_models.model = exact_matches.model
    left join family_matches
        on step_models.provider_scope = family_matches.provider_scope
            and step_models.model = family_matches.model
            and family_matches.family_rank = 1

)

select * from final
