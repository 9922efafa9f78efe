{%- if trace_input_is_database() %}
-- depends_on: {{ source('trace_db', 'tool_calls') }}
{%- else %}
-- depends_on: {{ source('trace', 'steps') }}
{%- endif %}

{#- One row per tool call of an accepted step (grain: step_id, tool_position), from the step's
    `tools` list, tool_position 1-based. A view that reads the trace again, like
    stg_trace__timing_events. #}


{%- if trace_input_is_database() %}
{{ trace_database_list_rows('tool_calls', 'tool_position', trace_list_fields()['tools']) }}
{%- else %}

with

trace_lines as (

    select
        source_file,
        input_row,
        line_text
    from {{ read_trace_lines() }}

),

steps as (

    select
        step_id,
        source_file,
        input_row
    from {{ ref('base_trace__lines') }}
    where step_id is not null

),

tools_listed as (

    select
        steps.step_id,
        from_json(
            try(from_json(trace_lines.line_text, '{"tools":"JSON"}')).tools,
            {{ json_list_type(trace_list_fields()['tools']) }}
        ) as tools
    from trace_lines
    inner join steps
        on
            trace_lines.source_file = steps.source_file
            and trace_lines.input_row = steps.input_row

),

tools_unnested as (

    select
        step_id,
        unnest(generate_series(1, len(tools))) as tool_position,
        unnest(tools) as tool_call
    from tools_listed
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
{%- endif %}
