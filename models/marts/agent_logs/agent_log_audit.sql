{#- Where every raw line and every step went, per agent (grain: agent, section, item), rule
    R10: lines read = used + ignored (bookkeeping and unknown, by label) + bad +
    truncated_last_line + blank; steps formed = kept + set aside (by reason), and the sessions of the kept steps; and the skip,
    token_count, dropped-event and tool counters. Every fixed counter is listed with 0 when it
    did not occur (seed agent_log_audit_items); ignored labels as they occur. A data test checks
    that the lines and steps add up on every build. #}

with

audit_items as (

    select
        agent,
        section_order,
        section,
        item_order,
        item
    from {{ ref('agent_log_audit_items') }}

),

log_files as (

    select agent
    from {{ ref('stg_agent_logs__files') }}

),

log_lines as (

    select
        agent,
        -- an ignored record counts under its label, any other line under its status
        case when line_status in ('bookkeeping', 'unknown') then 'ignored_' || line_status else 'lines' end as line_section,
        case when line_status in ('bookkeeping', 'unknown') then record_label else line_status end as line_item
    from {{ ref('int_agent_log_lines_classified') }}

),

steps as (

    select
        provider,
        session_id,
        set_aside_reason
    from {{ ref('int_agent_log_steps_deduplicated') }}

),

claude_records as (

    select assistant_skip
    from {{ ref('int_claude_records_chained') }}
    where assistant_skip is not null

),

claude_tool_uses as (

    select
        source_path,
        chain_name,
        tool_id
    from {{ ref('int_claude_blocks_unnested') }}
    where claude_kind = 'assistant' and block_type = 'tool_use' and tool_id is not null

),

claude_results as (

    select result_anomaly
    from {{ ref('int_claude_tool_results_matched') }}
    where result_anomaly is not null

),

claude_events as (

    select event_group
    from {{ ref('int_claude_events_assigned') }}
    where step_line is null

),

codex_records as (

    select
        source_path,
        codex_kind,
        call_id,
        token_acceptance
    from {{ ref('int_codex_records_stated') }}

),

codex_results as (

    select result_anomaly
    from {{ ref('int_codex_tool_results_matched') }}
    where result_anomaly is not null

),

codex_events as (

    select case when event_group = 1 then 'dangling_inputs' else 'dangling_outputs' end as dropped_as
    from {{ ref('int_codex_events_assigned') }}
    where step_line is null

),

counts_listed as (

    select agent, 'files' as section, 'files' as item, count(*) as item_count
    from log_files
    group by agent
    union all
    select agent, 'lines' as section, 'read' as item, count(*) as item_count
    from log_lines
    group by agent
    union all
    select
        agent,
        line_section as section,
        line_item as item,
        count(*) as item_count
    from log_lines
    group by agent, line_section, line_item
    union all
    select provider as agent, 'steps' as section, 'formed' as item, count(*) as item_count
    from steps
    group by provider
    union all
    select provider as agent, 'steps' as section, 'kept' as item, count(*) as item_count
    from steps
    where set_aside_reason is null
    group by provider
    union all
    select provider as agent, 'steps' as section, 'sessions' as item, count(distinct session_id) as item_count
    from steps
    where set_aside_reason is null
    group by provider
    union all
    select provider as agent, 'set_aside' as section, set_aside_reason as item, count(*) as item_count
    from steps
    where set_aside_reason is not null
    group by provider, set_aside_reason
    union all
    select 'claude' as agent, 'skipped' as section, assistant_skip as item, count(*) as item_count
    from claude_records
    group by assistant_skip
    union all
    select
        'claude' as agent,
        'tools' as section,
        'repeated_call_id' as item,
        count(*) - count(distinct source_path || '|' || chain_name || '|' || tool_id) as item_count
    from claude_tool_uses
    union all
    select 'claude' as agent, 'tools' as section, result_anomaly as item, count(*) as item_count
    from claude_results
    group by result_anomaly
    union all
    select 'claude' as agent, 'dropped_events' as section, 'dangling_inputs' as item, count(*) as item_count
    from claude_events
    union all
    select 'codex' as agent, 'token_counts' as section, token_acceptance as item, count(*) as item_count
    from codex_records
    where token_acceptance is not null
    group by token_acceptance
    union all
    select
        'codex' as agent,
        'tools' as section,
        'repeated_call_id' as item,
        count(*) - count(distinct source_path || '|' || call_id) as item_count
    from codex_records
    where codex_kind in ('function_call', 'custom_tool_call') and call_id is not null
    union all
    select 'codex' as agent, 'tools' as section, result_anomaly as item, count(*) as item_count
    from codex_results
    group by result_anomaly
    union all
    select
        'codex' as agent,
        'dropped_events' as section,
        dropped_as as item,
        count(*) as item_count
    from codex_events
    group by dropped_as

),

counts_totalled as (

    select
        agent,
        section,
        item,
        sum(item_count) as item_count
    from counts_listed
    group by agent, section, item

),

fixed_items as (

    select
        audit_items.agent,
        audit_items.section_order,
        audit_items.section,
        audit_items.item_order,
        audit_items.item,
        coalesce(counts_totalled.item_count, 0) as item_count
    from audit_items
    left join counts_totalled
        on audit_items.agent = counts_totalled.agent
            and audit_items.section = counts_totalled.section
            and audit_items.item = counts_totalled.item

),

labels_found as (

    select
        counts_totalled.agent,
        case counts_totalled.section when 'ignored_bookkeeping' then 3 else 4 end as section_order,
        counts_totalled.section,
        -- after any fixed item, in label order
        1000 + row_number() over (partition by counts_totalled.agent, counts_totalled.section order by counts_totalled.item) as item_order,
        counts_totalled.item,
        counts_totalled.item_count
    from counts_totalled
    where counts_totalled.section in ('ignored_bookkeeping', 'ignored_unknown')

),

final as (

    select
        agent,
        section_order,
        section,
        cast(item_order as bigint) as item_order,
        item,
        cast(item_count as bigint) as count
    from fixed_items
    union all
    select
        agent,
        section_order,
        section,
        cast(item_order as bigint) as item_order,
        item,
        cast(item_count as bigint) as count
    from labels_found

)

select * from final
