{#- One row per tool call of a kept step of the raw logs (grain: step_id, tool_index), both
    agents, with SPEC 2's tools keys: when it was emitted and its result arrived, the two
    latencies, is_error and the sizes of its input and result (R7.4). tool_input, the raw input
    itself, is kept only when content is asked for (INCLUDE_CONTENT=1, R7.5). #}

with

claude_tools as (

    select
        source_path,
        step_line,
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
        input_json
    from {{ ref('int_claude_tool_calls_resulted') }}

),

codex_tools as (

    select
        source_path,
        step_line,
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
        input_json
    from {{ ref('int_codex_tool_calls_resulted') }}
    where step_line is not null

),

kept_steps as (

    select
        source_path,
        source_line,
        step_id
    from {{ ref('int_agent_log_steps_deduplicated') }}
    where step_id is not null

),

tools_unioned as (

    select * from claude_tools
    union all
    select * from codex_tools

),

final as (

    select
        kept_steps.step_id,
        cast(tools_unioned.tool_index as bigint) as tool_index,
        tools_unioned.tool_name,
        tools_unioned.tool_call_id,
        tools_unioned.emitted_at,
        tools_unioned.result_at,
        tools_unioned.tool_wall_latency_ms,
        tools_unioned.tool_internal_latency_ms,
        tools_unioned.is_error,
        cast(tools_unioned.input_chars as bigint) as input_chars,
        cast(tools_unioned.result_chars as bigint) as result_chars,
        tools_unioned.input_json as tool_input
    from tools_unioned
    inner join kept_steps
        on tools_unioned.source_path = kept_steps.source_path and tools_unioned.step_line = kept_steps.source_line

)

select * from final
