{#- One row per Codex tool (grain: source_path, line_number of its call) with what its results
    say (R6.6): result_at from the first; result_chars, the internal latency (`Wall time: X
    seconds`) and the wall latency each the first non-null value in line order; is_error the
    last non-null one. Without a result these are null. #}

with

tools as (

    select
        source_path,
        line_number,
        codex_kind,
        step_line,
        tool_index,
        tool_name,
        tool_call_id,
        emitted_at,
        input_chars,
        input_json
    from {{ ref('int_codex_tool_calls_registered') }}

),

results as (

    select
        source_path,
        line_number,
        tool_line,
        result_rank,
        event_timestamp,
        result_chars,
        result_is_error,
        result_internal_ms,
        wall_latency_ms
    from {{ ref('int_codex_tool_results_matched') }}
    where tool_line is not null

),

results_folded as (

    select
        source_path,
        tool_line,
        max(case when result_rank = 1 then event_timestamp end) as result_at,
        min_by(result_chars, line_number) filter (where result_chars is not null) as result_chars,
        min_by(result_internal_ms, line_number) filter (where result_internal_ms is not null) as tool_internal_latency_ms,
        min_by(wall_latency_ms, line_number) filter (where wall_latency_ms is not null) as tool_wall_latency_ms,
        max_by(result_is_error, line_number) filter (where result_is_error is not null) as is_error
    from results
    group by source_path, tool_line

),

final as (

    select
        tools.source_path,
        tools.line_number,
        tools.codex_kind,
        tools.step_line,
        tools.tool_index,
        tools.tool_name,
        tools.tool_call_id,
        tools.emitted_at,
        results_folded.result_at,
        results_folded.tool_wall_latency_ms,
        results_folded.tool_internal_latency_ms,
        results_folded.is_error,
        tools.input_chars,
        results_folded.result_chars,
        tools.input_json
    from tools
    left join results_folded
        on tools.source_path = results_folded.source_path and tools.line_number = results_folded.tool_line

)

select * from final
