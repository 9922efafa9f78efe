{#- One row per Claude timing event (grain: source_path, line_number, block_index), with the
    step it belongs to (R5.3, R5.6, R7.1): input events (user_message, tool_result) go to the
    next step opened after them in their chain -- none left: dangling, step_line null (R5.9);
    output events (reasoning, text, tool_call) to the step of their own record. event_keys lists
    the keys the event carries after event_type, timestamp and source (R7.2). #}

with

records as (

    select
        source_path,
        line_number,
        chain_name,
        claude_kind,
        message_id,
        event_timestamp,
        content_kind,
        content_chars
    from {{ ref('int_claude_records_chained') }}
    where assistant_skip is null

),

blocks as (

    select
        source_path,
        line_number,
        block_index,
        claude_kind,
        block_type,
        event_timestamp,
        thinking_chars,
        text_chars
    from {{ ref('int_claude_blocks_unnested') }}

),

tool_results as (

    select
        source_path,
        line_number,
        block_index,
        chain_name,
        event_timestamp,
        result_call_id,
        result_chars,
        result_is_error
    from {{ ref('int_claude_tool_results_matched') }}

),

tools as (

    select
        source_path,
        line_number,
        block_index,
        step_line,
        tool_index,
        tool_name,
        tool_call_id,
        emitted_at
    from {{ ref('int_claude_tool_calls_created') }}

),

steps as (

    select
        source_path,
        chain_name,
        round_id as message_id,
        source_line as step_line
    from {{ ref('int_claude_steps_formed') }}

),

records_with_results as (

    select distinct
        source_path,
        line_number
    from blocks
    where claude_kind = 'user' and block_type = 'tool_result'

),

input_events as (

    -- a prompt: a string, or a list without tool_result blocks (its compact JSON size)
    select
        records.source_path,
        records.chain_name,
        records.line_number,
        cast(0 as bigint) as block_index,
        'user_message' as event_type,
        records.event_timestamp,
        'user.message' as source,
        records.content_chars,
        cast(null as string) as tool_call_id,
        cast(null as boolean) as is_error,
        cast(null as bigint) as result_chars
    from records
    left join records_with_results
        on records.source_path = records_with_results.source_path
            and records.line_number = records_with_results.line_number
    where
        records.claude_kind = 'user'
        and (records.content_kind = 'string' or (records.content_kind = 'list' and records_with_results.line_number is null))
    union all
    select
        source_path,
        chain_name,
        line_number,
        block_index,
        'tool_result' as event_type,
        event_timestamp,
        'user.content.tool_result' as source,
        cast(null as bigint) as content_chars,
        result_call_id as tool_call_id,
        result_is_error as is_error,
        result_chars
    from tool_results

),

openings_and_inputs as (

    select
        source_path,
        chain_name,
        line_number,
        block_index,
        cast(null as bigint) as step_line
    from input_events
    union all
    select
        source_path,
        chain_name,
        step_line as line_number,
        cast(-1 as bigint) as block_index,
        step_line
    from steps

),

inputs_stepped as (

    select
        source_path,
        line_number,
        block_index,
        min(step_line) over (
            partition by source_path, chain_name
            order by line_number, block_index
            rows between current row and unbounded following
        ) as step_line
    from openings_and_inputs

),

inputs_assigned as (

    select
        input_events.source_path,
        inputs_stepped.step_line,
        1 as event_group,
        input_events.line_number,
        input_events.block_index,
        input_events.event_type,
        input_events.event_timestamp,
        input_events.source,
        input_events.content_chars,
        input_events.tool_call_id,
        cast(null as string) as tool_name,
        cast(null as bigint) as tool_index,
        input_events.result_chars,
        input_events.is_error,
        case input_events.event_type when 'tool_result' then 'tool_call_id,result_chars,is_error' else 'content_chars' end as event_keys
    from input_events
    inner join inputs_stepped
        on input_events.source_path = inputs_stepped.source_path
            and input_events.line_number = inputs_stepped.line_number
            and input_events.block_index = inputs_stepped.block_index

),

outputs_assigned as (

    select
        blocks.source_path,
        steps.step_line,
        2 as event_group,
        blocks.line_number,
        blocks.block_index,
        case blocks.block_type when 'thinking' then 'reasoning' else 'text' end as event_type,
        blocks.event_timestamp,
        case blocks.block_type when 'thinking' then 'assistant.content.thinking' else 'assistant.content.text' end as source,
        case blocks.block_type when 'thinking' then blocks.thinking_chars else blocks.text_chars end as content_chars,
        cast(null as string) as tool_call_id,
        cast(null as string) as tool_name,
        cast(null as bigint) as tool_index,
        cast(null as bigint) as result_chars,
        cast(null as boolean) as is_error,
        'content_chars' as event_keys
    from blocks
    inner join records
        on blocks.source_path = records.source_path and blocks.line_number = records.line_number
    inner join steps
        on records.source_path = steps.source_path
            and records.chain_name = steps.chain_name
            and records.message_id = steps.message_id
    where blocks.claude_kind = 'assistant' and blocks.block_type in ('thinking', 'text')
    union all
    select
        source_path,
        step_line,
        2 as event_group,
        line_number,
        block_index,
        'tool_call' as event_type,
        emitted_at as event_timestamp,
        'assistant.content.tool_use' as source,
        cast(null as bigint) as content_chars,
        tool_call_id,
        tool_name,
        tool_index,
        cast(null as bigint) as result_chars,
        cast(null as boolean) as is_error,
        'tool_call_id,tool_name,tool_index' as event_keys
    from tools

),

final as (

    select * from inputs_assigned
    union all
    select * from outputs_assigned

)

select * from final
