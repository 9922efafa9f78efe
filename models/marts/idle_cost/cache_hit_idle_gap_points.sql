{#- One row per measured user step with a gap (grain: step_id): its provider, hit ratio and idle
    wait in seconds -- the points of the idle-gap figure. #}

with

measured_steps as (

    select
        step_id,
        provider,
        hit_ratio,
        gap_seconds
    from {{ ref('int_idle_gap_steps') }}
    where trigger = 'user' and gap_seconds is not null

),

final as (

    select
        step_id,
        provider,
        hit_ratio,
        gap_seconds
    from measured_steps

)

select * from final
