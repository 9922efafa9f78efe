{#- The timing events of the steps contract's steps (grain: step_id, event_index), whatever the
    input: the event's type, call id and time (microseconds since 1970), event_index from 1 in
    the step's order. The idle-gap and thinking-time experiments read only this model, the
    steps contract and int_step_tool_calls. #}

with

{%- if trace_input() == 'trace' %}

trace_events as (

    select
        source_file,
        line_number,
        item_index as event_index,
        event_type,
        tool_call_id,
        event_at_us
    from {{ ref('stg_trace__activity') }}
    where item_kind = 'event'

),

trace_files as (

    select
        source_file,
        file_rank
    from {{ ref('stg_trace__files') }}

),

input_events as (

    select
        {{ trace_step_id("trace_files.file_rank", "trace_events.line_number") }} as step_id,
        trace_events.event_index,
        trace_events.event_type,
        trace_events.tool_call_id,
        trace_events.event_at_us
    from trace_events
    inner join trace_files
        on trace_events.source_file = trace_files.source_file

),
{%- elif trace_input() == 'trace_db' %}

rounds_numbered as (

    select
        round_pk,
        row_number() over (order by round_pk) as step_id
    from {{ source('trace_db', 'rounds') }}

),

database_events as (

    select *
    from {{ ref('stg_trace_db__timing_events') }}

),

input_events as (

    select
        rounds_numbered.step_id,
        row_number() over (partition by rounds_numbered.step_id order by database_events.event_index) as event_index,
        database_events.event_type,
        database_events.tool_call_id,
        database_events.event_at_us
    from database_events
    inner join rounds_numbered
        on database_events.round_pk = rounds_numbered.round_pk

),
{%- else %}

log_events as (

    select
        step_id,
        event_index,
        event_type,
        tool_call_id,
        timestamp_text
    from {{ ref('int_timing_events_unioned') }}

),

remembered_events as (

    {#- KEEP_HISTORY: the events of the steps of log files deleted since they were read #}
    select
        step_id,
        item_index as event_index,
        event_type,
        tool_call_id,
        event_at as timestamp_text
    from {{ ref('int_agent_log_activity_deleted') }}
    where item_kind = 'event'

),

events_unioned as (

    select * from log_events
    union all
    select * from remembered_events

),

input_events as (

    select
        step_id,
        event_index,
        event_type,
        tool_call_id,
        {{ instant_us('timestamp_text') }} as event_at_us
    from events_unioned

),
{%- endif %}

final as (

    select
        cast(step_id as bigint) as step_id,
        cast(event_index as bigint) as event_index,
        event_type,
        case when tool_call_id <> '' then tool_call_id end as tool_call_id,
        cast(event_at_us as bigint) as event_at_us
    from input_events

)

select * from final
