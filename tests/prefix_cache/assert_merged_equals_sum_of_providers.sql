-- For every trigger, scope `merged` equals the sum over the provider scopes: in steps and
-- append tokens of the hit-ratio groups, and in steps and tokens of the token-weighted groups.
with

summary as (

    select scope, trigger, rounds, append_tokens
    from {{ ref('cache_hit_ratio_summary') }}

),

token_weighted as (

    select scope, trigger, rounds, prefix_tokens, append_tokens
    from {{ ref('cache_hit_ratio_token_weighted') }}

),

summary_compared as (

    select
        'summary' as model_name,
        trigger,
        sum(case when scope = 'merged' then rounds else 0 end) as merged_rounds,
        sum(case when scope <> 'merged' then rounds else 0 end) as provider_rounds,
        sum(case when scope = 'merged' then append_tokens else 0 end) as merged_tokens,
        sum(case when scope <> 'merged' then append_tokens else 0 end) as provider_tokens
    from summary
    group by trigger

),

token_weighted_compared as (

    select
        'token_weighted' as model_name,
        trigger,
        sum(case when scope = 'merged' then rounds else 0 end) as merged_rounds,
        sum(case when scope <> 'merged' then rounds else 0 end) as provider_rounds,
        sum(case when scope = 'merged' then prefix_tokens + append_tokens else 0 end) as merged_tokens,
        sum(case when scope <> 'merged' then prefix_tokens + append_tokens else 0 end) as provider_tokens
    from token_weighted
    group by trigger

),

final as (

    select * from summary_compared
    where merged_rounds <> provider_rounds or merged_tokens <> provider_tokens
    union all
    select * from token_weighted_compared
    where merged_rounds <> provider_rounds or merged_tokens <> provider_tokens

)

select * from final
