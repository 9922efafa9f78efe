{#- Where every input line went (grain: section, item): lines read, blank, set aside (by
    reason) and ingested as steps; the steps eligible for the experiment and excluded (by
    reason); and the warnings, which change no result (by kind). Every reason and kind is listed,
    with 0 when it did not occur. A data test checks that the parts add up on every build. #}

with

{%- if trace_input() == 'trace' %}

trace_lines as (

    select
        is_blank,
        rejection_reason
    from {{ ref('stg_trace__lines') }}

),
{#- --- agent_logs: raw lines; a kept step is one raw line (the record that formed it) --- #}
{%- elif trace_input() == 'agent_logs' %}

log_lines as (

    select
        source_path,
        line_number,
        line_status
    from {{ ref('int_agent_log_lines_classified') }}

),

kept_step_lines as (

    select
        source_path,
        source_line_number
    from {{ ref('int_agent_log_steps_kept') }}

),

deleted_logs_counted as (

    {#- KEEP_HISTORY: steps kept from log files no longer on disk (read by no line here) #}
    select count(*) as steps_from_deleted_logs
    from {{ ref('int_agent_log_steps_deleted') }}

),
{#- --- end agent_logs --- #}
{%- endif %}

steps as (

    select step_id
    from {{ ref('int_steps_unioned') }}

),

steps_classified as (

    select
        is_eligible,
        exclusion_reason
    from {{ ref('int_steps_classified') }}

),

warnings as (

    select warning
    from {{ ref('line_warnings') }}

),

rejected as (

    select reason
    from {{ ref('rejected_lines') }}

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

warning_kinds as (

    select
        warning_order,
        warning
    from {{ ref('warning_kinds') }}

),

lines_counted as (

    {%- if trace_input() == 'trace' %}
    select
        count(*) as lines_read,
        sum(case when is_blank then 1 else 0 end) as blank_lines,
        sum(case when rejection_reason is not null then 1 else 0 end) as rejected_lines
    from trace_lines
    {#- --- agent_logs --- #}
    {%- elif trace_input() == 'agent_logs' %}
    select
        count(*) as lines_read,
        sum(case when log_lines.line_status = 'blank' then 1 else 0 end) as blank_lines,
        sum(case when log_lines.line_status = 'bad' then 1 else 0 end) as rejected_lines,
        sum(case when log_lines.line_status not in ('blank', 'bad') and kept_step_lines.source_path is null then 1 else 0 end)
            as other_lines
    from log_lines
    left join kept_step_lines
        on log_lines.source_path = kept_step_lines.source_path and log_lines.line_number = kept_step_lines.source_line_number
    {#- --- end agent_logs --- #}
    {%- else %}
    select
        count(*) as lines_read,
        0 as blank_lines,
        0 as rejected_lines
    from steps
    {%- endif %}

),

steps_counted as (

    select
        count(*) as steps_ingested
    from steps

),

rejections_counted as (

    select
        rejection_reasons.reason_order,
        rejection_reasons.reason,
        count(rejected.reason) as line_count
    from rejection_reasons
    left join rejected
        on rejection_reasons.reason = rejected.reason
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

warnings_counted as (

    select
        warning_kinds.warning_order,
        warning_kinds.warning,
        count(warnings.warning) as warning_count
    from warning_kinds
    left join warnings
        on warning_kinds.warning = warnings.warning
    group by warning_kinds.warning_order, warning_kinds.warning

),

audit_rows as (

    select 1 as section_order, 'lines' as section, 1 as item_order, 'lines_read' as item, lines_read as item_count
    from lines_counted
    union all
    select 1 as section_order, 'lines' as section, 2 as item_order, 'blank_lines' as item, blank_lines as item_count
    from lines_counted
    union all
    select 1 as section_order, 'lines' as section, 3 as item_order, 'rejected_lines' as item, rejected_lines as item_count
    from lines_counted
    union all
    select 1 as section_order, 'lines' as section, 4 as item_order, 'steps_ingested' as item, steps_ingested as item_count
    from steps_counted
    {#- --- agent_logs: raw lines that are no step (records feeding steps, ignored, truncated, set aside) --- #}
    {%- if trace_input() == 'agent_logs' %}
    union all
    select 1 as section_order, 'lines' as section, 5 as item_order, 'other_lines' as item, other_lines as item_count
    from lines_counted
    union all
    select
        1 as section_order,
        'lines' as section,
        6 as item_order,
        'steps_from_deleted_logs' as item,
        steps_from_deleted_logs as item_count
    from deleted_logs_counted
    {%- endif %}
    {#- --- end agent_logs --- #}
    union all
    select 2 as section_order, 'rejected' as section, reason_order as item_order, reason as item, line_count as item_count
    from rejections_counted
    union all
    select 3 as section_order, 'steps' as section, 1 as item_order, 'eligible_steps' as item, count(*) as item_count
    from steps_classified
    where is_eligible
    union all
    select 3 as section_order, 'steps' as section, 2 as item_order, 'excluded_steps' as item, count(*) as item_count
    from steps_classified
    where not is_eligible
    union all
    select 4 as section_order, 'excluded' as section, reason_order as item_order, reason as item, step_count as item_count
    from exclusions_counted
    union all
    select 5 as section_order, 'warnings' as section, warning_order as item_order, warning as item, warning_count as item_count
    from warnings_counted

),

final as (

    select
        section_order,
        section,
        item_order,
        item,
        coalesce(item_count, 0) as count
    from audit_rows

)

select * from final
