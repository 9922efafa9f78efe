{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_remembered_steps() }}",
) }}

{#- The timing events and tools of the raw logs' steps as the database last read them (grain:
    source_path, source_line_number, item_kind, item_index), kept beside
    int_agent_log_steps_remembered and replaced the same way, so that a step kept as history
    keeps its times: the idle-gap, thinking-time and bill experiments read them for the steps
    of deleted log files (int_step_timing_events, int_step_tool_calls). Content-free: event
    types, call ids and timestamps only. #}

-- depends_on: {{ ref('stg_agent_logs__files') }}

with

kept_steps as (

    select
        step_id,
        source_path,
        source_line_number
    from {{ ref('int_agent_log_steps_kept') }}

),

events as (

    select
        step_id,
        'event' as item_kind,
        event_index as item_index,
        event_type,
        tool_call_id,
        timestamp_text as event_at,
        cast(null as {{ dbt.type_string() }}) as emitted_at,
        cast(null as {{ dbt.type_string() }}) as result_at
    from {{ ref('int_timing_events_unioned') }}

),

tools as (

    select
        step_id,
        'tool' as item_kind,
        tool_index as item_index,
        cast(null as {{ dbt.type_string() }}) as event_type,
        tool_call_id,
        cast(null as {{ dbt.type_string() }}) as event_at,
        emitted_at,
        result_at
    from {{ ref('int_tool_calls_unioned') }}

),

activity_unioned as (

    select * from events
    union all
    select * from tools

),

final as (

    select
        kept_steps.source_path,
        kept_steps.source_line_number,
        activity_unioned.item_kind,
        cast(activity_unioned.item_index as bigint) as item_index,
        activity_unioned.event_type,
        activity_unioned.tool_call_id,
        activity_unioned.event_at,
        activity_unioned.emitted_at,
        activity_unioned.result_at
    from activity_unioned
    inner join kept_steps
        on activity_unioned.step_id = kept_steps.step_id

)

select * from final
