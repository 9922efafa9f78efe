{{ config(
    materialized='incremental' if trace_plan() else 'table',
    incremental_strategy='append',
    pre_hook=["{{ forget_replaced_lines() }}"],
    post_hook=["{{ restore_skipped_line_numbers() }}"],
) }}

-- depends_on: {{ ref('stg_trace__lines') }}
{%- set lists = {
    'timing_events': ['event_type', 'timestamp', 'tool_call_id'],
    'tools': ['tool_call_id', 'emitted_at', 'result_at'],
} %}
{%- set fast = target.type == 'duckdb' and trace_reader() == 'fast' %}

{#- One row per timing event and per tool call of a line of the trace (grain: source_file,
    line_number, item_kind, item_index): the few keys the idle-gap and thinking-time
    experiments read -- an event's type, call id and timestamp, a tool's call id and its
    emitted / result times -- as microseconds since 1970 (NULL when absent or not an ISO 8601
    date-time). Text keys are kept only when they are JSON strings. Lines that are not JSON
    objects, or whose list is not a list of objects, give no row; stg_trace__lines judges the
    line itself. The fast reader reads both lists straight into structs (such a list fails its
    read, and the runner reads the batch again with the exact reader). Incremental under the
    runner like stg_trace__lines: a build reads the files it reads. Lines are numbered as
    stg_trace__lines numbers them: over every line handed over (blank ones too), then moved
    past the lines DuckDB's reader skipped (post-hook). #}

with

{%- if fast %}

trace_lines as (

    select *
    from {{ trace_fast_lines(trace_files(), lists) }} as fast_lines

),
{%- else %}

trace_lines as (

    select
        source_file,
        input_row,
        line_text
    from {{ ref('base_trace__lines') }}

),
{%- endif %}

lines_numbered as (

    select
        source_file,
        input_row - min(input_row) over (partition by source_file) + 1 as line_number,
        {%- if fast %}
        timing_events,
        tools
        {%- else %}
        {{ trace_line_items('line_text', 'timing_events', lists['timing_events']) }} as timing_events,
        {{ trace_line_items('line_text', 'tools', lists['tools']) }} as tools
        {%- endif %}
    from trace_lines

),

events_unnested as (

    select
        source_file,
        line_number,
        {{ explode_with_index('timing_events', 'item_position', 'item') }}
    from lines_numbered

),

tools_unnested as (

    select
        source_file,
        line_number,
        {{ explode_with_index('tools', 'item_position', 'item') }}
    from lines_numbered

),

events_read as (

    select
        source_file,
        line_number,
        'event' as item_kind,
        cast(item_position as bigint) + 1 as item_index,
        {{ log_string('item', 'event_type') }} as event_type,
        {{ log_string('item', 'tool_call_id') }} as tool_call_id,
        {{ instant_us(log_string('item', 'timestamp')) }} as event_at_us,
        cast(null as bigint) as emitted_at_us,
        cast(null as bigint) as result_at_us
    from events_unnested

),

tools_read as (

    select
        source_file,
        line_number,
        'tool' as item_kind,
        cast(item_position as bigint) + 1 as item_index,
        cast(null as {{ 'string' if target.type == 'spark' else 'varchar' }}) as event_type,
        {{ log_string('item', 'tool_call_id') }} as tool_call_id,
        cast(null as bigint) as event_at_us,
        {{ instant_us(log_string('item', 'emitted_at')) }} as emitted_at_us,
        {{ instant_us(log_string('item', 'result_at')) }} as result_at_us
    from tools_unnested

),

final as (

    select * from events_read
    union all
    select * from tools_read

)

select * from final
