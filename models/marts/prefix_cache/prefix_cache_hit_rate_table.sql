{#- One row per table line of the paper table (trigger all, user, tool_result): the
    token-weighted prefix hit rate of Claude, Codex and both (merged), as fractions. #}

with

token_weighted as (

    select
        scope,
        trigger,
        token_weighted_hit_rate
    from {{ ref('cache_hit_ratio_token_weighted') }}
    where scope in ('claude', 'codex', 'merged')

),

triggers as (

    select
        trigger,
        trigger_order,
        table_label
    from {{ ref('group_triggers') }}

),

final as (

    select
        triggers.trigger_order,
        triggers.trigger,
        triggers.table_label as metric,
        max(case when token_weighted.scope = 'claude' then token_weighted.token_weighted_hit_rate end) as claude_rate,
        max(case when token_weighted.scope = 'codex' then token_weighted.token_weighted_hit_rate end) as codex_rate,
        max(case when token_weighted.scope = 'merged' then token_weighted.token_weighted_hit_rate end) as total_rate
    from triggers
    left join token_weighted
        on triggers.trigger = token_weighted.trigger
    group by
        triggers.trigger_order,
        triggers.trigger,
        triggers.table_label

)

select * from final
