{#- One row per Codex tool registered (grain: source_path, line_number of its call), R6.5: the
    first function_call / custom_tool_call of a call_id in the file registers it (a later call
    with the same id is ignored: repeated_call_id); its step is the next accepted token_count
    after the call, and tool_index its place among that step's tools. #}

with

calls as (

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
        next_step_line,
        row_number() over (partition by source_path, call_id order by line_number) as call_rank
    from {{ ref('int_codex_records_stated') }}
    where codex_kind in ('function_call', 'custom_tool_call') and call_id is not null

),

final as (

    select
        source_path,
        line_number,
        codex_kind,
        call_id as tool_call_id,
        tool_name,
        event_timestamp as emitted_at,
        event_instant_us as emitted_instant_us,
        tool_input_chars as input_chars,
        tool_input_json as input_json,
        next_step_line as step_line,
        row_number() over (partition by source_path, next_step_line order by line_number) - 1 as tool_index
    from calls
    where call_rank = 1

)

select * from final
