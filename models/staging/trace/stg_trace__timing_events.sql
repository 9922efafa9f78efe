{%- if trace_input_is_database() %}
-- depends_on: {{ source('trace_db', 'timing_events') }}
{%- else %}
-- depends_on: {{ source('trace', 'steps') }}
{%- endif %}

{#- One row per timing event of an accepted step (grain: step_id, event_index), event_index
    1-based in list order. A view: only an event-level question (an analysis) reads it; the
    experiment needs just the first event, which base_trace__lines already extracted. It reads
    the trace again and joins each line to its step by (file, line). #}


{%- if trace_input_is_database() %}
{{ trace_database_list_rows('timing_events', 'event_index', trace_list_fields()['timing_events']) }}
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

events_listed as (

    select
        steps.step_id,
        from_json(
            try(from_json(trace_lines.line_text, '{"timing_events":"JSON"}')).timing_events,
            {{ json_list_type(trace_list_fields()['timing_events']) }}
        ) as timing_events
    from trace_lines
    inner join steps
        on
            trace_lines.source_file = steps.source_file
            and trace_lines.input_row = steps.input_row

),

events_unnested as (

    select
        step_id,
        unnest(generate_series(1, len(timing_events))) as event_index,
        unnest(timing_events) as timing_event
    from events_listed
    where len(timing_events) > 0

),

final as (

    select
        step_id,
        event_index,
        timing_event.event_type,
        timing_event."timestamp" as event_timestamp_text,
        try_cast(timing_event."timestamp" as timestamptz) as event_at,
        timing_event.source as event_source,
        timing_event.tool_call_id,
        timing_event.tool_index,
        timing_event.tool_name,
        timing_event.is_error,
        timing_event.result_chars,
        timing_event.content_chars
    from events_unnested

)

select * from final
{%- endif %}
