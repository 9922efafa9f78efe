{#- One row per Codex tool (grain: source_path, line_number of its call), R6.5 and R6.6: the
    first function_call / custom_tool_call of a call_id in the file registers it (later ones are
    repeated and ignored); its step is the next accepted token_count after the call. Results
    (function_call_output, custom_tool_call_output, exec_command_end, patch_apply_end) name it
    by call_id from a later line: the first sets result_at; result_chars, the internal latency
    and the wall latency (to each result's own timestamp) are each the first non-null value in
    line order, is_error the last non-null one. #}

with

records as (

    select
        source_path,
        line_number,
        codex_kind,
        event_timestamp,
        event_instant_us,
        call_id,
        tool_name,
        tool_input_chars,
        tool_input_json,
        result_chars,
        result_is_error,
        result_internal_ms,
        next_step_line
    from {{ ref('int_codex_records_stated') }}
    where call_id is not null

),

calls_ranked as (

    select
        *,
        row_number() over (partition by source_path, call_id order by line_number) as call_rank
    from records
    where codex_kind in ('function_call', 'custom_tool_call')

),

tools as (

    select
        source_path,
        line_number,
        codex_kind,
        call_id,
        tool_name,
        event_timestamp as emitted_at,
        event_instant_us as emitted_instant_us,
        tool_input_chars,
        tool_input_json,
        next_step_line as step_line,
        row_number() over (partition by source_path, next_step_line order by line_number) - 1 as tool_index
    from calls_ranked
    where call_rank = 1

),

results_matched as (

    select
        records.source_path,
        records.line_number,
        records.codex_kind,
        records.event_timestamp,
        records.result_chars,
        records.result_is_error,
        records.result_internal_ms,
        tools.line_number as tool_line,
        {{ round_half_even('cast(records.event_instant_us - tools.emitted_instant_us as double) / cast(1000000 as double) * cast(1000 as double)') }}
            as wall_latency_ms,
        row_number() over (partition by records.source_path, tools.line_number order by records.line_number) as result_rank
    from records
    inner join tools
        on records.source_path = tools.source_path
            and records.call_id = tools.call_id
            and tools.line_number < records.line_number
    where records.codex_kind in ('function_call_output', 'custom_tool_call_output', 'exec_command_end', 'patch_apply_end')

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
    from results_matched
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
        tools.call_id as tool_call_id,
        tools.emitted_at,
        results_folded.result_at,
        results_folded.tool_wall_latency_ms,
        results_folded.tool_internal_latency_ms,
        results_folded.is_error,
        tools.tool_input_chars as input_chars,
        results_folded.result_chars,
        tools.tool_input_json as input_json
    from tools
    left join results_folded
        on tools.source_path = results_folded.source_path and tools.line_number = results_folded.tool_line

)

select * from final
