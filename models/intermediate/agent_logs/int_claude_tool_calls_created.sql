{#- One row per Claude tool (grain: source_path, line_number, block_index of the tool_use block
    that created it), R5.6: the first tool_use block of an id within a step creates a tool
    (tool_index = its place among the step's tools); a repeated id in the same step creates
    nothing. Only the creation is decided here; the tool's result is filled in
    int_claude_tool_calls_resulted. #}

with

tool_uses as (

    select
        source_path,
        line_number,
        block_index,
        chain_name,
        message_id,
        event_timestamp,
        event_instant_us,
        tool_id,
        tool_name,
        input_chars,
        input_json
    from {{ ref('int_claude_blocks_unnested') }}
    where claude_kind = 'assistant' and block_type = 'tool_use' and tool_id is not null

),

steps as (

    select
        source_path,
        chain_name,
        round_id as message_id,
        source_line as step_line
    from {{ ref('int_claude_steps_formed') }}

),

uses_ranked as (

    select
        tool_uses.*,
        steps.step_line,
        row_number() over (
            partition by tool_uses.source_path, tool_uses.chain_name, tool_uses.message_id, tool_uses.tool_id
            order by tool_uses.line_number, tool_uses.block_index
        ) as use_rank
    from tool_uses
    inner join steps
        on tool_uses.source_path = steps.source_path
            and tool_uses.chain_name = steps.chain_name
            and tool_uses.message_id = steps.message_id

),

final as (

    select
        source_path,
        line_number,
        block_index,
        chain_name,
        step_line,
        row_number() over (partition by source_path, step_line order by line_number, block_index) - 1 as tool_index,
        tool_name,
        tool_id as tool_call_id,
        event_timestamp as emitted_at,
        event_instant_us as emitted_instant_us,
        input_chars,
        input_json
    from uses_ranked
    where use_rank = 1

)

select * from final
