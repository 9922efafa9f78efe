{#- One row per (scope, trigger): the token-weighted prefix hit rate sum(prefix) / sum(prefix +
    append). Unlike every other mart, trigger `all` takes every step that passes the validity
    gate, whatever its first event (even none); `user` / `tool_result` take the gate-passing
    steps whose first event is of that type. Sums are exact integers; the rate is NULL when the
    group has no input tokens. #}

with

groups as (

    select
        scope,
        trigger,
        scope_order,
        trigger_order
    from {{ ref('int_groups_enumerated') }}

),

gated_steps as (

    select
        scope,
        trigger,
        prefix_tokens,
        append_tokens
    from {{ ref('int_steps_classified') }}
    where passes_validity_gate

),

groups_summed as (

    select
        {{ group_label('scope', 'merged') }} as scope,
        {{ group_label('trigger', 'all') }} as trigger,
        count(*) as rounds,
        {{ sum_exact('prefix_tokens') }} as prefix_tokens,
        {{ sum_exact('append_tokens') }} as append_tokens,
        {{ sum_exact('prefix_tokens + append_tokens') }} as total_input_tokens
    from gated_steps
    group by cube(scope, trigger)

),

final as (

    select
        groups.scope,
        groups.trigger,
        groups.scope_order,
        groups.trigger_order,
        coalesce(groups_summed.rounds, 0) as rounds,
        coalesce(groups_summed.prefix_tokens, 0) as prefix_tokens,
        coalesce(groups_summed.append_tokens, 0) as append_tokens,
        coalesce(groups_summed.total_input_tokens, 0) as total_input_tokens,
        case
            when coalesce(groups_summed.total_input_tokens, 0) = 0 then null
            else cast(groups_summed.prefix_tokens as double) / cast(groups_summed.total_input_tokens as double)
        end as token_weighted_hit_rate
    from groups
    left join groups_summed
        on
            groups.scope = groups_summed.scope
            and groups.trigger = groups_summed.trigger

)

select * from final
