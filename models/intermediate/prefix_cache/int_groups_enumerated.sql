{#- One row per (scope, trigger) the outputs must carry, in output order: scopes merged, claude,
    codex always (even when empty), then every other scope present in the trace (`unknown` for a
    null provider) alphabetically; triggers all, user, tool_result. #}

with

canonical_scopes as (

    select
        scope,
        scope_order
    from {{ ref('canonical_scopes') }}

),

triggers as (

    select
        trigger,
        trigger_order
    from {{ ref('group_triggers') }}

),

steps as (

    select scope
    from {{ ref('int_steps_classified') }}

),

other_scope_order as (

    select max(scope_order) + 1 as scope_order
    from canonical_scopes

),

other_scopes_found as (

    select distinct
        steps.scope,
        other_scope_order.scope_order
    from steps
    cross join other_scope_order
    left join canonical_scopes
        on steps.scope = canonical_scopes.scope
    where canonical_scopes.scope is null

),

scopes_listed as (

    select scope, scope_order from canonical_scopes
    union all
    select scope, scope_order from other_scopes_found

),

final as (

    select
        scopes_listed.scope,
        triggers.trigger,
        scopes_listed.scope_order,
        triggers.trigger_order
    from scopes_listed
    cross join triggers

)

select * from final
