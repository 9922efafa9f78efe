{#- The remembered timing events and tools of the steps of log files deleted since they were
    read (grain: step_id, item_kind, item_index), with history kept (KEEP_HISTORY=1): each
    under the number its step has in the contract (int_agent_log_steps_deleted). #}

{{ config(materialized='view') }}

with

remembered as (

    select *
    from {{ ref('int_agent_log_activity_remembered') }}

),

deleted_steps as (

    select
        step_id,
        source_path,
        source_line_number
    from {{ ref('int_agent_log_steps_deleted') }}

),

final as (

    select
        deleted_steps.step_id,
        remembered.item_kind,
        remembered.item_index,
        remembered.event_type,
        remembered.tool_call_id,
        remembered.event_at,
        remembered.emitted_at,
        remembered.result_at
    from remembered
    inner join deleted_steps
        on remembered.source_path = deleted_steps.source_path
            and remembered.source_line_number = deleted_steps.source_line_number

)

select * from final
