-- Does the hit ratio recover along a request's tool loop? The median hit ratio of eligible
-- steps by their position after the request's user-initiated step (0 = the user step itself),
-- per provider. Steps are ordered within a session by step_id (file order).
with

steps as (

    select
        step_id,
        session_id,
        provider
    from {{ ref('int_steps_unioned') }}

),

steps_classified as (

    select
        step_id,
        trigger,
        hit_ratio
    from {{ ref('int_steps_classified') }}
    where is_eligible

),

steps_joined as (

    select
        steps.session_id,
        steps.provider,
        steps_classified.step_id,
        steps_classified.trigger,
        steps_classified.hit_ratio,
        sum(case when steps_classified.trigger = 'user' then 1 else 0 end) over (
            partition by steps.session_id order by steps_classified.step_id
        ) as request_number
    from steps_classified
    inner join steps
        on steps_classified.step_id = steps.step_id

),

steps_positioned as (

    select
        provider,
        hit_ratio,
        row_number() over (
            partition by session_id, request_number order by step_id
        ) - 1 as position_in_request
    from steps_joined
    where request_number > 0

),

final as (

    select
        provider,
        least(position_in_request, 20) as position_in_request,
        count(*) as steps,
        median(hit_ratio) as median_hit_ratio
    from steps_positioned
    group by provider, least(position_in_request, 20)
    order by provider, position_in_request

)

select * from final
