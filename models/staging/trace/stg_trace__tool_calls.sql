{%- if trace_input_is_database() %}
-- depends_on: {{ source('trace_db', 'tool_calls') }}
{%- else %}
-- depends_on: {{ source('trace', 'steps') }}
{%- endif %}

{#- One row per tool call of an accepted step (grain: step_id, tool_position), from the step's
    `tools` list, tool_position 1-based. A view that reads the trace again, like
    stg_trace__timing_events. #}


with

list_rows as (

    {%- if trace_input_is_database() %}
    {{ trace_database_list_rows('tool_calls', 'tool_position', trace_list_fields()['tools']) }}
    {%- else %}
    {{ trace_list_rows('tools', 'tool_position', trace_list_fields()['tools']) }}
    {%- endif %}

),

final as (

    select
        step_id,
        tool_position,
        tool_index,
        tool_name,
        tool_call_id,
        try_cast(emitted_at as timestamp) as emitted_at,
        try_cast(result_at as timestamp) as result_at,
        tool_wall_latency_ms,
        tool_internal_latency_ms,
        is_error,
        input_chars,
        result_chars
    from list_rows

)

select * from final
