{#- One row per content block of a Claude record whose message.content is a list (grain:
    source_path, line_number, block_index): the facts of R5.3 (tool_result blocks of user
    records) and R5.6 (thinking, text and tool_use blocks of assistant records). Blocks of
    skipped assistant records (R5.4.1) are left out: they touch nothing. #}

with

records as (

    select
        source_path,
        line_number,
        chain_name,
        claude_kind,
        message_id,
        event_timestamp,
        event_instant_us,
        runner_internal_ms,
        content_blocks
    from {{ ref('int_claude_records_chained') }}
    where content_kind = 'list' and assistant_skip is null

),

blocks_unnested as (

    select
        source_path,
        line_number,
        chain_name,
        claude_kind,
        message_id,
        event_timestamp,
        event_instant_us,
        runner_internal_ms,
        {{ explode_with_index('content_blocks', 'block_index', 'block') }}
    from records

),

final as (

    select
        source_path,
        line_number,
        cast(block_index as bigint) as block_index,
        chain_name,
        claude_kind,
        message_id,
        event_timestamp,
        event_instant_us,
        runner_internal_ms,
        block.block_type,
        block.tool_id,
        block.tool_name,
        block.input_chars,
        block.input_json,
        block.thinking_chars,
        block.text_chars,
        block.result_call_id,
        block.result_chars,
        block.result_is_error
    from blocks_unnested

)

select * from final
