{#- One row per Codex timing event (grain: source_path, line_number), with the step it belongs
    to (R6.4, R6.6, R7.1): user messages and the first result of a registered tool are input
    events, assistant messages, reasoning and tool calls output events, each of the next accepted
    token_count after it (none left: dangling, step_line null, R6.9); every accepted token_count
    adds its own usage_report. event_keys lists the keys the event carries after event_type,
    timestamp and source (R7.2: a Codex tool_result has is_error only when it is known). #}

with

records as (

    select
        source_path,
        line_number,
        codex_kind,
        event_timestamp,
        is_assistant_message,
        content_chars,
        token_acceptance,
        next_step_line
    from {{ ref('int_codex_records_stated') }}

),

tools as (

    select
        source_path,
        line_number,
        codex_kind,
        step_line,
        tool_index,
        tool_name,
        tool_call_id,
        emitted_at
    from {{ ref('int_codex_tool_calls_registered') }}

),

first_results as (

    select
        results.source_path,
        results.line_number,
        results.codex_kind,
        results.event_timestamp,
        results.result_chars,
        results.result_is_error,
        results.next_step_line,
        tools.tool_call_id
    from {{ ref('int_codex_tool_results_matched') }} as results
    inner join tools
        on results.source_path = tools.source_path and results.tool_line = tools.line_number
    where results.result_rank = 1

),

events_listed as (

    select
        source_path,
        next_step_line as step_line,
        1 as event_group,
        line_number,
        'user_message' as event_type,
        event_timestamp,
        'event_msg.user_message' as source,
        content_chars,
        cast(null as string) as tool_call_id,
        cast(null as string) as tool_name,
        cast(null as bigint) as tool_index,
        cast(null as bigint) as result_chars,
        cast(null as boolean) as is_error,
        'content_chars' as event_keys
    from records
    where codex_kind = 'user_message'
    union all
    select
        source_path,
        next_step_line as step_line,
        1 as event_group,
        line_number,
        'tool_result' as event_type,
        event_timestamp,
        case when codex_kind in ('exec_command_end', 'patch_apply_end') then 'event_msg.' else 'response_item.' end || codex_kind as source,
        cast(null as bigint) as content_chars,
        tool_call_id,
        cast(null as string) as tool_name,
        cast(null as bigint) as tool_index,
        result_chars,
        result_is_error as is_error,
        case when result_is_error is null then 'tool_call_id,result_chars' else 'tool_call_id,result_chars,is_error' end as event_keys
    from first_results
    union all
    select
        source_path,
        next_step_line as step_line,
        2 as event_group,
        line_number,
        case when codex_kind = 'reasoning' then 'reasoning' else 'text' end as event_type,
        event_timestamp,
        'response_item.' || codex_kind as source,
        case when codex_kind = 'reasoning' then null else content_chars end as content_chars,
        cast(null as string) as tool_call_id,
        cast(null as string) as tool_name,
        cast(null as bigint) as tool_index,
        cast(null as bigint) as result_chars,
        cast(null as boolean) as is_error,
        case when codex_kind = 'reasoning' then '' else 'content_chars' end as event_keys
    from records
    where codex_kind = 'reasoning' or is_assistant_message
    union all
    select
        source_path,
        step_line,
        2 as event_group,
        line_number,
        'tool_call' as event_type,
        emitted_at as event_timestamp,
        'response_item.' || codex_kind as source,
        cast(null as bigint) as content_chars,
        tool_call_id,
        tool_name,
        tool_index,
        cast(null as bigint) as result_chars,
        cast(null as boolean) as is_error,
        'tool_call_id,tool_name,tool_index' as event_keys
    from tools
    union all
    select
        source_path,
        line_number as step_line,
        3 as event_group,
        line_number,
        'usage_report' as event_type,
        event_timestamp,
        'event_msg.token_count' as source,
        cast(null as bigint) as content_chars,
        cast(null as string) as tool_call_id,
        cast(null as string) as tool_name,
        cast(null as bigint) as tool_index,
        cast(null as bigint) as result_chars,
        cast(null as boolean) as is_error,
        '' as event_keys
    from records
    where token_acceptance = 'accepted'

),

final as (

    select
        source_path,
        step_line,
        event_group,
        line_number,
        cast(0 as bigint) as block_index,
        event_type,
        event_timestamp,
        source,
        content_chars,
        tool_call_id,
        tool_name,
        tool_index,
        result_chars,
        is_error,
        event_keys
    from events_listed

)

select * from final
