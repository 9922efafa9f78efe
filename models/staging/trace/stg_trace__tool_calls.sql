-- depends_on: {{ source('trace', 'steps') }}

{#- One row per tool call of a step (the step's `tools` list), tool_position 1-based in list
    order. A view over the trace, like stg_trace__timing_events. #}

with

trace_lines as (

    select
        row_number() over () as step_id,
        tools
    from {{ read_trace() }}

),

tools_unnested as (

    select
        step_id,
        unnest(generate_series(1, len(tools))) as tool_position,
        unnest(tools) as tool_call
    from trace_lines
    where len(tools) > 0

),

final as (

    select
        step_id,
        tool_position,
        tool_call.tool_index,
        tool_call.tool_name,
        tool_call.tool_call_id,
        try_cast(tool_call.emitted_at as timestamptz) as emitted_at,
        try_cast(tool_call.result_at as timestamptz) as result_at,
        tool_call.tool_wall_latency_ms,
        tool_call.tool_internal_latency_ms,
        tool_call.is_error,
        tool_call.input_chars,
        tool_call.result_chars
    from tools_unnested

)

select * from final
