-- depends_on: {{ source('trace', 'steps') }}

{#- One row per timing event, event_index 1-based in list order. A view over the trace: only an
    event-level question (an analysis) reads it, the experiment needs just the first event, which
    stg_trace__steps already carries. step_id numbers the lines exactly as stg_trace__steps does
    (same files, same order). #}

with

trace_lines as (

    select
        row_number() over () as step_id,
        timing_events
    from {{ read_trace() }}

),

events_unnested as (

    select
        step_id,
        unnest(generate_series(1, len(timing_events))) as event_index,
        unnest(timing_events) as timing_event
    from trace_lines
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
