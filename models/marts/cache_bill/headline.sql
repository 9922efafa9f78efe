{#- The answer first (grain: fact): a few lines, formatted here, that the run prints at its end
    and the page opens with -- the token-weighted hit rate per agent, the steps and sessions
    (main and sub-agent apart) and their dates, the input dollars, the dollars lost to misses
    and their leading cause, and the cheaper cache lifetime. Dollars with cents and thousands
    separators throughout (macro headline_dollars), whatever their size. #}

with

bills as (

    select
        provider_scope,
        is_subagent,
        input_tokens,
        cache_read_tokens
    from {{ ref('int_step_bill') }}

),

sessions_started as (

    select is_subagent
    from {{ ref('int_cache_miss_steps') }}
    where is_cold_start

),

summary as (

    select *
    from {{ ref('cache_cost_summary') }}
    where scope = 'merged' and sessions = 'all'

),

whatif as (

    select *
    from {{ ref('cache_ttl_whatif') }}
    where scope = 'claude' and sessions = 'all'

),

days as (

    select
        min(day) as first_day,
        max(day) as last_day
    from {{ ref('usage_by_day') }}
    where day <> ''

),

agents_read as (

    select
        provider_scope,
        count(*) as steps,
        sum(input_tokens) as input_tokens,
        sum(cache_read_tokens) as cache_read_tokens
    from bills
    group by provider_scope

),

steps_counted as (

    select
        count(*) as steps,
        sum(case when is_subagent then 1 else 0 end) as subagent_steps
    from bills

),

sessions_counted as (

    select
        count(*) as sessions,
        sum(case when is_subagent then 1 else 0 end) as subagent_sessions
    from sessions_started

),

misses_ranked as (

    select
        cause,
        dollars_lost,
        steps,
        row_number() over (order by dollars_lost desc, reprefilled_tokens desc, cause_order asc) as cause_rank
    from summary
    where cause <> 'cold_start'

),

misses_totalled as (

    select
        sum(steps) as steps,
        sum(reprefilled_tokens) as reprefilled_tokens,
        {{ sum_decimal('dollars_lost') }} as dollars_lost,
        max(input_usd) as input_usd
    from summary
    where cause <> 'cold_start'

),

bill_totalled as (

    select
        input_usd,
        output_usd,
        cache_read_usd,
        cache_write_5m_usd + cache_write_1h_usd as cache_write_usd,
        uncached_input_usd,
        unpriced_steps
    from summary
    where cause = 'cold_start'

),

lines_made as (

    select
        1 as line_order,
        'hit_rate_' || agents_read.provider_scope as fact,
        concat(
            agents_read.provider_scope, ': ',
            {{ share_cell('case when agents_read.input_tokens > 0 then cast(agents_read.cache_read_tokens as double) / cast(agents_read.input_tokens as double) end') }},
            ' of input tokens read from the cache (token-weighted) over ',
            {{ fixed_text('agents_read.steps', 0, true) }}, ' steps'
        ) as line
    from agents_read

    union all

    select
        2 as line_order,
        'steps' as fact,
        concat(
            {{ fixed_text('steps_counted.steps', 0, true) }}, ' steps (',
            {{ fixed_text('steps_counted.steps - steps_counted.subagent_steps', 0, true) }}, ' main, ',
            {{ fixed_text('steps_counted.subagent_steps', 0, true) }}, ' sub-agent) in ',
            {{ fixed_text('coalesce(sessions_counted.sessions, 0)', 0, true) }}, ' sessions (',
            {{ fixed_text('coalesce(sessions_counted.sessions - sessions_counted.subagent_sessions, 0)', 0, true) }}, ' main, ',
            {{ fixed_text('coalesce(sessions_counted.subagent_sessions, 0)', 0, true) }}, ' sub-agent)',
            case when days.first_day is not null then concat(', ', days.first_day, ' to ', days.last_day) else '' end
        ) as line
    from steps_counted
    cross join sessions_counted
    cross join days

    union all

    select
        3 as line_order,
        'input_usd' as fact,
        concat(
            'input cost ', {{ headline_dollars('bill_totalled.input_usd') }},
            ' (cache reads ', {{ headline_dollars('bill_totalled.cache_read_usd') }},
            ', cache writes ', {{ headline_dollars('bill_totalled.cache_write_usd') }},
            ', uncached ', {{ headline_dollars('bill_totalled.uncached_input_usd') }},
            '); output ', {{ headline_dollars('bill_totalled.output_usd') }},
            case when bill_totalled.unpriced_steps > 0 then concat('; ', {{ fixed_text('bill_totalled.unpriced_steps', 0, true) }}, ' steps unpriced') else '' end
        ) as line
    from bill_totalled

    union all

    select
        4 as line_order,
        'dollars_lost' as fact,
        case
            when misses_totalled.steps = 0 then 'no cache misses: every step after the first of its session read what its predecessor sent'
            else concat(
                    'lost to cache misses ', {{ headline_dollars('misses_totalled.dollars_lost') }},
                    ' (', {{ share_cell('case when misses_totalled.input_usd > 0 then misses_totalled.dollars_lost / misses_totalled.input_usd end') }},
                    ' of input cost) over ', {{ fixed_text('misses_totalled.steps', 0, true) }},
                    ' steps; leading cause ', misses_ranked.cause, ' (', {{ headline_dollars('misses_ranked.dollars_lost') }}, ')'
                )
        end as line
    from misses_totalled
    left join misses_ranked
        on misses_ranked.cause_rank = 1

    union all

    select
        5 as line_order,
        'cheaper_tier' as fact,
        case
            when whatif.replayed_steps = 0 then 'cache lifetime: no Claude steps to replay'
            else concat(
                    'cache lifetime (Claude): all writes 5-minute ', {{ headline_dollars('whatif.all_5m_input_usd') }},
                    ', all 1-hour ', {{ headline_dollars('whatif.all_1h_input_usd') }},
                    ', as observed ', {{ headline_dollars('whatif.observed_input_usd') }},
                    case whatif.cheaper_tier
                        when '5m' then ': the 5-minute lifetime is cheaper'
                        when '1h' then ': the 1-hour lifetime is cheaper'
                        else ': both cost the same'
                    end
                )
        end as line
    from whatif

),

final as (

    select
        line_order,
        fact,
        line
    from lines_made

)

select * from final
