{#- One row per Claude tool_result block with a string tool_use_id (grain: source_path,
    line_number, block_index), matched to its tool (R5.7): the tool the chain's registry holds
    for that id at that moment, i.e. the latest tool with that id created in the same chain at
    an earlier line. A result without one is for an unknown id; a tool's first result (by line,
    then block) fills it, later ones are repeated results. Either way every such block is a
    tool_result input event. #}

with

results as (

    select
        source_path,
        line_number,
        block_index,
        chain_name,
        event_timestamp,
        event_instant_us,
        runner_internal_ms,
        result_call_id,
        result_chars,
        result_is_error
    from {{ ref('int_claude_blocks_unnested') }}
    where claude_kind = 'user' and block_type = 'tool_result' and result_call_id is not null

),

tools as (

    select
        source_path,
        chain_name,
        tool_call_id,
        line_number as tool_line,
        block_index as tool_block_index
    from {{ ref('int_claude_tool_calls_created') }}

),

results_matched as (

    select
        results.source_path,
        results.line_number,
        results.block_index,
        tools.tool_line,
        tools.tool_block_index,
        row_number() over (
            partition by results.source_path, results.line_number, results.block_index
            order by tools.tool_line desc
        ) as candidate_rank
    from results
    inner join tools
        on results.source_path = tools.source_path
            and results.chain_name = tools.chain_name
            and results.result_call_id = tools.tool_call_id
            and results.line_number > tools.tool_line

),

results_ranked as (

    select
        results.*,
        results_matched.tool_line,
        results_matched.tool_block_index,
        case
            when results_matched.tool_line is not null
                then row_number() over (
                        partition by results.source_path, results_matched.tool_line, results_matched.tool_block_index
                        order by results.line_number, results.block_index
                    )
        end as result_rank
    from results
    left join results_matched
        on results.source_path = results_matched.source_path
            and results.line_number = results_matched.line_number
            and results.block_index = results_matched.block_index
            and results_matched.candidate_rank = 1

),

final as (

    select
        source_path,
        line_number,
        block_index,
        chain_name,
        event_timestamp,
        event_instant_us,
        runner_internal_ms,
        result_call_id,
        result_chars,
        result_is_error,
        tool_line,
        tool_block_index,
        case
            when tool_line is null then 'result_for_unknown_id'
            when result_rank > 1 then 'repeated_result'
        end as result_anomaly
    from results_ranked

)

select * from final
