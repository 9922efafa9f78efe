{#- One row per (step, group) for every step that passes the validity gate: the step counts in
    scope `merged` and in its provider's scope, each under trigger `all` and, when eligible,
    under its own trigger. The hit-ratio statistics keep the eligible rows; the token-weighted
    rate uses every row (its `all` trigger takes gate-passing steps whatever their first event). #}

with

steps as (

    select
        step_id,
        scope,
        trigger,
        is_eligible,
        prefix_tokens,
        append_tokens,
        hit_ratio,
        hit_bin_index,
        round_split_bucket_index
    from {{ ref('int_steps_classified') }}
    where passes_validity_gate

),

steps_fanned as (

    {%- set carried = 'step_id, is_eligible, prefix_tokens, append_tokens, hit_ratio, hit_bin_index, round_split_bucket_index' %}

    select 'merged' as scope, 'all' as trigger, {{ carried }} from steps
    union all
    select scope, 'all' as trigger, {{ carried }} from steps
    union all
    select 'merged' as scope, trigger, {{ carried }} from steps
    where is_eligible
    union all
    select scope, trigger, {{ carried }} from steps
    where is_eligible

),

final as (

    select
        scope,
        trigger,
        step_id,
        is_eligible,
        prefix_tokens,
        append_tokens,
        hit_ratio,
        hit_bin_index,
        round_split_bucket_index
    from steps_fanned

)

select * from final
