-- The question a researcher asks next: which sessions carry the append tokens of the low-hit
-- steps (hit ratio < 0.5), and what started those steps? Compile with
--   dbt compile --select sessions_with_most_low_hit_append_tokens
-- and run the SQL in target/compiled/ against the project's DuckDB file.
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
        hit_ratio,
        append_tokens
    from {{ ref('int_steps_classified') }}
    where is_eligible

),

low_hit_steps as (

    select
        steps.session_id,
        steps.provider,
        steps_classified.trigger,
        steps_classified.append_tokens
    from steps_classified
    inner join steps
        on steps_classified.step_id = steps.step_id
    where steps_classified.hit_ratio < cast(0.5 as double)

),

sessions_ranked as (

    select
        session_id,
        provider,
        count(*) as low_hit_steps,
        sum(case when trigger = 'user' then 1 else 0 end) as low_hit_user_steps,
        sum(append_tokens) as low_hit_append_tokens
    from low_hit_steps
    group by session_id, provider

),

final as (

    select *
    from sessions_ranked
    order by low_hit_append_tokens desc
    limit 20

)

select * from final
