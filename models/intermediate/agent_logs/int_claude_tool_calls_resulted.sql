{#- One row per Claude tool (grain: source_path, step_line, tool_index) with its result filled
    from its first matched result (R5.7): result_at, result_chars and is_error of that result,
    the wall latency from the call's timestamp to the result's (R4.4) and the internal latency
    from the result record's toolUseResult (durationMs, duration_ms, durationSeconds,
    duration_seconds). Without a result these are null. #}

with

tools as (

    select
        source_path,
        line_number,
        block_index,
        step_line,
        tool_index,
        tool_name,
        tool_call_id,
        emitted_at,
        emitted_instant_us,
        input_chars,
        input_json
    from {{ ref('int_claude_tool_calls_created') }}

),

first_results as (

    select
        source_path,
        tool_line,
        tool_block_index,
        event_timestamp as result_at,
        event_instant_us as result_instant_us,
        runner_internal_ms,
        result_chars,
        result_is_error
    from {{ ref('int_claude_tool_results_matched') }}
    where result_anomaly is null

),

final as (

    select
        tools.source_path,
        tools.step_line,
        tools.tool_index,
        tools.tool_name,
        tools.tool_call_id,
        tools.emitted_at,
        first_results.result_at,
        {{ round_half_even('cast(first_results.result_instant_us - tools.emitted_instant_us as double) / cast(1000000 as double) * cast(1000 as double)') }}
            as tool_wall_latency_ms,
        first_results.runner_internal_ms as tool_internal_latency_ms,
        first_results.result_is_error as is_error,
        tools.input_chars,
        first_results.result_chars,
        tools.input_json
    from tools
    left join first_results
        on tools.source_path = first_results.source_path
            and tools.line_number = first_results.tool_line
            and tools.block_index = first_results.tool_block_index

)

select * from final
