{#- Hit rate and dollars lost per day and provider (grain: day, provider): the rows of
    usage_by_day summed over projects, models and main and sub-agent sessions -- steps, input
    tokens, cache reads, the token-weighted hit rate (cache reads / input tokens, of the sums),
    reprefilled tokens, input dollars and dollars lost. What Fig. 4 draws. #}

with

usage as (

    select
        day,
        provider,
        steps,
        input_tokens,
        cache_read_tokens,
        reprefilled_tokens,
        input_usd,
        dollars_lost
    from {{ ref('usage_by_day') }}

),

days_summed as (

    select
        day,
        provider,
        sum(steps) as steps,
        sum(input_tokens) as input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(reprefilled_tokens) as reprefilled_tokens,
        coalesce({{ sum_decimal('input_usd') }}, 0) as input_usd,
        coalesce({{ sum_decimal('dollars_lost') }}, 0) as dollars_lost
    from usage
    group by day, provider

),

final as (

    select
        day,
        provider,
        steps,
        input_tokens,
        cache_read_tokens,
        case
            when input_tokens > 0 then cast(cache_read_tokens as double) / cast(input_tokens as double)
        end as hit_rate,
        reprefilled_tokens,
        input_usd,
        dollars_lost
    from days_summed

)

select * from final
