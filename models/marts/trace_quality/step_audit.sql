{#- Where every line of the trace went (grain: section, item): lines read, blank, set aside
    (by reason) and ingested as steps; the steps eligible for the experiment and excluded (by
    reason); and the warnings that change no result. Every reason is listed, with 0 when it
    did not occur. A data test checks that the parts add up on every build. #}

with

trace_lines as (

    select
        is_blank,
        rejection_reason,
        step_id,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        unparseable_timestamp_count
    from {{ ref('base_trace__lines') }}

),

steps_classified as (

    select
        is_eligible,
        exclusion_reason
    from {{ ref('int_steps_classified') }}

),

rejection_reasons as (

    select
        reason_order,
        reason
    from {{ ref('rejection_reasons') }}

),

exclusion_reasons as (

    select
        reason_order,
        reason
    from {{ ref('exclusion_reasons') }}

),

lines_counted as (

    select
        count(*) as lines_read,
        sum(case when is_blank then 1 else 0 end) as blank_lines,
        sum(case when rejection_reason is not null then 1 else 0 end) as rejected_lines,
        sum(case when step_id is not null then 1 else 0 end) as steps_ingested,
        sum(
            case
                when step_id is not null and input_tokens_total <> prefix_tokens + newly_append_tokens then 1
                else 0
            end
        ) as input_tokens_total_mismatch,
        coalesce(sum(unparseable_timestamp_count), 0) as unparseable_timestamps
    from trace_lines

),

rejections_counted as (

    select
        rejection_reasons.reason_order,
        rejection_reasons.reason,
        count(trace_lines.rejection_reason) as line_count
    from rejection_reasons
    left join trace_lines
        on rejection_reasons.reason = trace_lines.rejection_reason
    group by rejection_reasons.reason_order, rejection_reasons.reason

),

exclusions_counted as (

    select
        exclusion_reasons.reason_order,
        exclusion_reasons.reason,
        count(steps_classified.exclusion_reason) as step_count
    from exclusion_reasons
    left join steps_classified
        on exclusion_reasons.reason = steps_classified.exclusion_reason
    group by exclusion_reasons.reason_order, exclusion_reasons.reason

),

audit_rows as (

    select
        1 as section_order,
        'lines' as section,
        1 as item_order,
        'lines_read' as item,
        lines_read as count
    from lines_counted
    union all
    select
        1 as section_order,
        'lines' as section,
        2 as item_order,
        'blank_lines' as item,
        blank_lines as count
    from lines_counted
    union all
    select
        1 as section_order,
        'lines' as section,
        3 as item_order,
        'rejected_lines' as item,
        rejected_lines as count
    from lines_counted
    union all
    select
        1 as section_order,
        'lines' as section,
        4 as item_order,
        'steps_ingested' as item,
        steps_ingested as count
    from lines_counted
    union all
    select
        2 as section_order,
        'rejected' as section,
        reason_order as item_order,
        reason as item,
        line_count as count
    from rejections_counted
    union all
    select
        3 as section_order,
        'steps' as section,
        1 as item_order,
        'eligible_steps' as item,
        count(*) as count
    from steps_classified
    where is_eligible
    union all
    select
        3 as section_order,
        'steps' as section,
        2 as item_order,
        'excluded_steps' as item,
        count(*) as count
    from steps_classified
    where not is_eligible
    union all
    select
        4 as section_order,
        'excluded' as section,
        reason_order as item_order,
        reason as item,
        step_count as count
    from exclusions_counted
    union all
    select
        5 as section_order,
        'warnings' as section,
        1 as item_order,
        'input_tokens_total_mismatch' as item,
        input_tokens_total_mismatch as count
    from lines_counted
    union all
    select
        5 as section_order,
        'warnings' as section,
        2 as item_order,
        'unparseable_timestamps' as item,
        unparseable_timestamps as count
    from lines_counted

),

final as (

    select
        section_order,
        section,
        item_order,
        item,
        coalesce(count, 0) as count
    from audit_rows

)

select * from final
