{#- One row per Codex tool result record (grain: source_path, line_number): a
    function_call_output, custom_tool_call_output, exec_command_end or patch_apply_end, matched
    by call_id to the tool registered at an earlier line of the file (R6.6). Without one it is a
    result for an unknown id (no event, unlike Claude); the tool's first result (by line) is its
    tool_result event and sets result_at, later ones are repeated results that may still fill
    what the first left empty. wall_latency_ms runs from the call to this record (R4.4). #}

with

results as (

    select
        source_path,
        line_number,
        codex_kind,
        event_timestamp,
        event_instant_us,
        call_id,
        result_chars,
        result_is_error,
        result_internal_ms,
        next_step_line
    from {{ ref('int_codex_records_stated') }}
    where codex_kind in ('function_call_output', 'custom_tool_call_output', 'exec_command_end', 'patch_apply_end')

),

tools as (

    select
        source_path,
        line_number as tool_line,
        tool_call_id,
        emitted_instant_us
    from {{ ref('int_codex_tool_calls_registered') }}

),

results_matched as (

    select
        results.*,
        tools.tool_line,
        {{ round_half_even('cast(results.event_instant_us - tools.emitted_instant_us as double) / cast(1000000 as double) * cast(1000 as double)') }}
            as wall_latency_ms
    from results
    left join tools
        on results.source_path = tools.source_path
            and results.call_id = tools.tool_call_id
            and results.line_number > tools.tool_line

),

final as (

    select
        source_path,
        line_number,
        codex_kind,
        event_timestamp,
        call_id,
        result_chars,
        result_is_error,
        result_internal_ms,
        next_step_line,
        tool_line,
        wall_latency_ms,
        case when tool_line is not null then row_number() over (partition by source_path, tool_line order by line_number) end
            as result_rank,
        case
            when tool_line is null then 'result_for_unknown_id'
            when row_number() over (partition by source_path, tool_line order by line_number) > 1 then 'repeated_result'
        end as result_anomaly
    from results_matched

)

select * from final
