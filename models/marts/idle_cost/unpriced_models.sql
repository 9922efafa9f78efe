{#- The models the price table does not price (grain: provider_scope, model), with how many steps
    each has: the runner names them, and their steps are left out of every dollar total. A step
    without a model counts here with an empty model. #}

with

steps as (

    select
        provider_scope,
        model,
        is_priced
    from {{ ref('int_idle_counterfactual_steps') }}
    where not is_priced

),

final as (

    select
        provider_scope,
        model,
        count(*) as steps
    from steps
    group by provider_scope, model

)

select * from final
