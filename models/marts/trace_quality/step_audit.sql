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

    select 1 as section_order, 'lines' as section, 1 as item_order, 'lines_read' as item, lines_read as count from lines_counted
    union all
    select 1, 'lines', 2, 'blank_lines', blank_lines from lines_counted
    union all
    select 1, 'lines', 3, 'rejected_lines', rejected_lines from lines_counted
    union all
    select 1, 'lines', 4, 'steps_ingested', steps_ingested from lines_counted
    union all
    select 2, 'rejected', reason_order, reason, line_count from rejections_counted
    union all
    select 3, 'steps', 1, 'eligible_steps', count(*) from steps_classified where is_eligible
    union all
    select 3, 'steps', 2, 'excluded_steps', count(*) from steps_classified where not is_eligible
    union all
    select 4, 'excluded', reason_order, reason, step_count from exclusions_counted
    union all
    select 5, 'warnings', 1, 'input_tokens_total_mismatch', input_tokens_total_mismatch from lines_counted
    union all
    select 5, 'warnings', 2, 'unparseable_timestamps', unparseable_timestamps from lines_counted

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
