{#- One row per step (grain: step_id): the validity gate, the trigger from the first timing
    event, eligibility, the reason a step is left out, the hit ratio and its bin and round-split
    bucket. #}

with

steps as (

    select
        step_id,
        provider,
        prefix_tokens,
        newly_append_tokens,
        first_timing_event_type,
        timing_event_count
    from {{ ref('int_steps_unioned') }}

),

triggers as (

    select
        trigger,
        first_event_type
    from {{ ref('group_triggers') }}

),

hit_ratio_bins as (

    select
        bin_index,
        lower_edge,
        upper_edge
    from {{ ref('hit_ratio_bins') }}

),

round_split_buckets as (

    select
        bucket_index,
        lower_bound,
        upper_bound
    from {{ ref('round_split_buckets') }}

),

steps_gated as (

    select
        step_id,
        coalesce(provider, 'unknown') as scope,
        prefix_tokens,
        newly_append_tokens as append_tokens,
        first_timing_event_type,
        timing_event_count,
        coalesce(
            prefix_tokens is not null
            and newly_append_tokens is not null
            and prefix_tokens + newly_append_tokens > 0,
            false
        ) as passes_validity_gate
    from steps

),

steps_triggered as (

    select
        steps_gated.*,
        triggers.trigger
    from steps_gated
    left join triggers
        -- the seed's `all` row has no event type, so no step meets it here
        on steps_gated.first_timing_event_type = triggers.first_event_type

),

steps_classified as (

    select
        step_id,
        scope,
        prefix_tokens,
        append_tokens,
        first_timing_event_type,
        trigger,
        passes_validity_gate,
        passes_validity_gate and trigger is not null as is_eligible,
        case
            when timing_event_count = 0 then 'no_timing_events'
            when trigger is null then 'first_event_other_type'
            when prefix_tokens is null or append_tokens is null then 'null_token_field'
            when not passes_validity_gate then 'zero_total'
        end as exclusion_reason,
        case
            when passes_validity_gate
                then cast(prefix_tokens as double) / cast(prefix_tokens + append_tokens as double)
        end as hit_ratio
    from steps_triggered

),

steps_binned as (

    select
        steps_classified.*,
        hit_ratio_bins.bin_index as hit_bin_index
    from steps_classified
    left join hit_ratio_bins
        on {{ hit_ratio_in_bin('steps_classified.hit_ratio', 'hit_ratio_bins') }}

),

final as (

    select
        steps_binned.*,
        round_split_buckets.bucket_index as round_split_bucket_index
    from steps_binned
    left join round_split_buckets
        on {{ hit_ratio_in_bucket('steps_binned.hit_ratio', 'round_split_buckets') }}

)

select * from final
