{%- if trace_input_is_database() %}
-- depends_on: {{ source('trace_db', 'timing_events') }}
{%- else %}
-- depends_on: {{ source('trace', 'steps') }}
{%- endif %}

{#- One row per timing event of an accepted step (grain: step_id, event_index), event_index
    1-based in list order. A view: only an event-level question (an analysis) reads it; the
    experiment needs just the first event, which base_trace__lines already extracted. It reads
    the trace again and joins each line to its step by its input_row. #}


with

list_rows as (

    {%- if trace_input_is_database() %}
    {{ trace_database_list_rows('timing_events', 'event_index', trace_list_fields()['timing_events']) }}
    {%- else %}
    {{ trace_list_rows('timing_events', 'event_index', trace_list_fields()['timing_events']) }}
    {%- endif %}

),

final as (

    select
        step_id,
        event_index,
        event_type,
        {{ adapter.quote('timestamp') }} as event_timestamp_text,
        try_cast({{ adapter.quote('timestamp') }} as timestamp) as event_at,
        source as event_source,
        tool_call_id,
        tool_index,
        tool_name,
        is_error,
        result_chars,
        content_chars
    from list_rows

)

select * from final
