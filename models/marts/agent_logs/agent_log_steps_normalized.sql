{#- One row per kept step of the raw logs (grain: step_id), in the normalized trace format
    (SPEC 2, rule R11.1): the columns are the line's keys in order, timing_events and tools the
    step's lists as JSON, each event with exactly the optional keys its event_keys names (a
    subsequence of tool_call_id, tool_name, tool_index, result_chars, is_error, content_chars;
    a data test holds every event to it), each tool call with its input only when content is
    kept (INCLUDE_CONTENT=1). A Claude step's cache write split is written as the bill reads it
    from the logs (docs/method.md): the logged 1-hour count, at most the write, and the rest of
    the write as 5-minute; both null when the logs hold no 1-hour count or no write total, so
    that the trace read back bills every step as the logs do. `trace-atlas normalize` copies it to JSONL with DuckDB's JSON
    writer, ordered by step_id; a view, so nothing is stored twice. #}

{{ config(
    materialized='view',
    enabled=(target.type == 'duckdb'
        and (var('input', env_var('TRACE_ATLAS_INPUT', 'trace')) | trim | lower) == 'agent_logs'),
) }}

{%- set optional_event_keys = ['tool_call_id', 'tool_name', 'tool_index', 'result_chars', 'is_error', 'content_chars'] %}

with

kept_steps as (

    select
        step_id,
        provider,
        project,
        session_id,
        session_file,
        round_index,
        source_round_id,
        source_turn_id,
        source_trace_key,
        model,
        cwd,
        store,
        home,
        user_name,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        claude_uncached_input_tokens,
        claude_cache_creation_input_tokens,
        claude_cache_read_input_tokens,
        output_tokens,
        reasoning_output_tokens,
        current_input_event_count,
        current_user_message_count,
        current_tool_result_count,
        current_user_message_chars,
        current_tool_result_chars,
        current_input_chars,
        first_input_event_type,
        is_subagent,
        source_file,
        source_line_number
    from {{ ref('int_agent_log_steps_kept') }}

),

events as (

    select
        step_id,
        event_index,
        event_type,
        timestamp_text,
        source,
        tool_call_id,
        tool_name,
        tool_index,
        result_chars,
        is_error,
        content_chars,
        event_keys
    from {{ ref('int_timing_events_unioned') }}

),

cache_writes as (

    select
        step_id,
        claude_cache_creation_1h_input_tokens
    from {{ ref('int_step_cache_writes') }}

),

tools as (

    select
        step_id,
        tool_index,
        tool_name,
        tool_call_id,
        emitted_at,
        result_at,
        tool_wall_latency_ms,
        tool_internal_latency_ms,
        is_error,
        input_chars,
        result_chars,
        tool_input
    from {{ ref('int_tool_calls_unioned') }}

),

events_serialized as (

    select
        step_id,
        event_index,
        '{"event_type":' || coalesce(to_json(event_type), 'null')
        || ',"timestamp":' || coalesce(to_json(timestamp_text), 'null')
        || ',"source":' || coalesce(to_json(source), 'null')
        {%- for key in optional_event_keys %}
        || case
            when contains(',' || event_keys || ',', ',{{ key }},')
                then ',"{{ key }}":' || coalesce(to_json({{ key }}), 'null')
            else ''
        end
        {%- endfor %}
        || '}' as event_json
    from events

),

events_nested as (

    select
        step_id,
        cast('[' || string_agg(event_json, ',' order by event_index) || ']' as json) as timing_events
    from events_serialized
    group by step_id

),

writes_split as (

    select
        kept_steps.step_id,
        least(greatest(cache_writes.claude_cache_creation_1h_input_tokens, 0), kept_steps.claude_cache_creation_input_tokens)
            as cache_write_1h_tokens,
        kept_steps.claude_cache_creation_input_tokens
        - least(greatest(cache_writes.claude_cache_creation_1h_input_tokens, 0), kept_steps.claude_cache_creation_input_tokens)
            as cache_write_5m_tokens
    from kept_steps
    inner join cache_writes
        on kept_steps.step_id = cache_writes.step_id
    where kept_steps.claude_cache_creation_input_tokens >= 0
        and cache_writes.claude_cache_creation_1h_input_tokens is not null

),

tools_nested as (

    select
        step_id,
        to_json(list({
            'tool_index': tool_index,
            'tool_name': tool_name,
            'tool_call_id': tool_call_id,
            'emitted_at': emitted_at,
            'result_at': result_at,
            'tool_wall_latency_ms': tool_wall_latency_ms,
            'tool_internal_latency_ms': tool_internal_latency_ms,
            'is_error': is_error,
            'input_chars': input_chars,
            {%- if include_content() %}
            'result_chars': result_chars,
            'input': cast(tool_input as json)
            {%- else %}
            'result_chars': result_chars
            {%- endif %}
        } order by tool_index)) as tools
    from tools
    group by step_id

),

final as (

    select
        kept_steps.step_id,
        kept_steps.provider,
        kept_steps.project,
        kept_steps.session_id,
        kept_steps.session_file,
        kept_steps.round_index,
        kept_steps.source_round_id as round_id,
        kept_steps.source_turn_id as turn_id,
        kept_steps.source_trace_key as trace_key,
        kept_steps.model,
        kept_steps.cwd,
        kept_steps.store,
        kept_steps.home,
        kept_steps.user_name as "user",
        kept_steps.input_tokens_total,
        kept_steps.prefix_tokens,
        kept_steps.newly_append_tokens,
        kept_steps.claude_uncached_input_tokens,
        kept_steps.claude_cache_creation_input_tokens,
        kept_steps.claude_cache_read_input_tokens,
        writes_split.cache_write_5m_tokens as claude_cache_creation_5m_input_tokens,
        writes_split.cache_write_1h_tokens as claude_cache_creation_1h_input_tokens,
        kept_steps.output_tokens,
        kept_steps.reasoning_output_tokens,
        coalesce(events_nested.timing_events, cast('[]' as json)) as timing_events,
        coalesce(tools_nested.tools, cast('[]' as json)) as tools,
        kept_steps.current_input_event_count,
        kept_steps.current_user_message_count,
        kept_steps.current_tool_result_count,
        kept_steps.current_user_message_chars,
        kept_steps.current_tool_result_chars,
        kept_steps.current_input_chars,
        kept_steps.first_input_event_type,
        kept_steps.is_subagent,
        kept_steps.source_file,
        kept_steps.source_line_number as source_line
    from kept_steps
    left join events_nested
        on kept_steps.step_id = events_nested.step_id
    left join tools_nested
        on kept_steps.step_id = tools_nested.step_id
    left join writes_split
        on kept_steps.step_id = writes_split.step_id

)

select * from final
