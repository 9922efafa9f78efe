{#- The tool calls of the steps contract's steps (grain: step_id, tool_position), whatever the
    input: the call id and when the call was emitted and its result arrived (microseconds since
    1970), tool_position from 1 in the step's tool order. #}

with

{%- if trace_input() == 'trace' %}

trace_tools as (

    select
        source_file,
        line_number,
        item_index as tool_position,
        tool_call_id,
        emitted_at_us,
        result_at_us
    from {{ ref('stg_trace__activity') }}
    where item_kind = 'tool'

),

trace_files as (

    select
        source_file,
        file_rank
    from {{ ref('stg_trace__files') }}

),

input_tools as (

    select
        {{ trace_step_id("trace_files.file_rank", "trace_tools.line_number") }} as step_id,
        trace_tools.tool_position,
        trace_tools.tool_call_id,
        trace_tools.emitted_at_us,
        trace_tools.result_at_us
    from trace_tools
    inner join trace_files
        on trace_tools.source_file = trace_files.source_file

),
{%- elif trace_input() == 'trace_db' %}

rounds_numbered as (

    select
        round_pk,
        row_number() over (order by round_pk) as step_id
    from {{ source('trace_db', 'rounds') }}

),

database_tools as (

    select *
    from {{ ref('stg_trace_db__tool_calls') }}

),

input_tools as (

    select
        rounds_numbered.step_id,
        database_tools.tool_position,
        database_tools.tool_call_id,
        database_tools.emitted_at_us,
        database_tools.result_at_us
    from database_tools
    inner join rounds_numbered
        on database_tools.round_pk = rounds_numbered.round_pk

),
{%- else %}

log_tools as (

    select
        step_id,
        tool_index,
        tool_call_id,
        emitted_at,
        result_at
    from {{ ref('int_tool_calls_unioned') }}

),

remembered_tools as (

    {#- KEEP_HISTORY: the tools of the steps of log files deleted since they were read #}
    select
        step_id,
        item_index as tool_index,
        tool_call_id,
        emitted_at,
        result_at
    from {{ ref('int_agent_log_activity_deleted') }}
    where item_kind = 'tool'

),

tools_unioned as (

    select * from log_tools
    union all
    select * from remembered_tools

),

input_tools as (

    select
        step_id,
        row_number() over (partition by step_id order by tool_index) as tool_position,
        tool_call_id,
        {{ instant_us('emitted_at') }} as emitted_at_us,
        {{ instant_us('result_at') }} as result_at_us
    from tools_unioned

),
{%- endif %}

final as (

    select
        cast(step_id as bigint) as step_id,
        cast(tool_position as bigint) as tool_position,
        case when tool_call_id <> '' then tool_call_id end as tool_call_id,
        cast(emitted_at_us as bigint) as emitted_at_us,
        cast(result_at_us as bigint) as result_at_us
    from input_tools

)

select * from final
