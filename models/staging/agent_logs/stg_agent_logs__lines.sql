{{ config(
    materialized='incremental' if agent_log_plan() else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=["{{ clear_reader_rejects() }}", "{{ forget_replaced_log_lines() }}"],
    post_hook=["{{ restore_agent_log_reader_rejects() }}", "{{ forget_log_inventory() }}"],
) }}

{#- One row per physical line of the raw logs (grain: source_path, line_number), blank and bad
    lines included, with the few typed values of its record that the step rules read
    (docs/raw_logs_rules.md R2-R6). Each line is parsed once (macro parse_agent_log_line) and
    its text is dropped right there: prompts, tool inputs and outputs, thinking and file
    contents are never stored, only their sizes (R4.1) and the ids, names, counters and
    timestamps the rules need. Whether a bad last line is a live log's half-written line or a
    rejection needs the whole file, so it is decided later (int_agent_log_lines_classified).
    Incremental under the runner's plan (macro agent_log_plan): a build appends the lines of
    the files it read, and of a grown file those after the ones kept, and keeps those of
    unchanged files. #}

with

log_lines as (

    select
        source_path,
        line_order,
        lines_before,
        line_text as line_as_written,
        {#- JSON that Python reads: a lone surrogate escape reads as U+FFFD (R2.3) #}
        {{ json_lone_surrogates_replaced('line_text') }} as line_text,
        reader_problem
    from {{ ref('base_agent_logs__lines') }}

),

log_files as (

    select
        source_path,
        agent
    from {{ ref('stg_agent_logs__files') }}

),

record_kinds as (

    select
        agent,
        label,
        category
    from {{ ref('agent_log_record_kinds') }}

),

lines_parsed as (

    select
        log_lines.source_path,
        log_files.agent,
        log_lines.line_order,
        log_lines.lines_before,
        log_lines.reader_problem,
        {{ octets('log_lines.line_as_written') }} as line_octets,
        case
            when coalesce(log_lines.line_text, '') = '' then true
            when left(log_lines.line_text, 1) = '{' then false
            else translate(log_lines.line_text, chr(32) || chr(9) || chr(13), '') = ''
        end as is_blank,
        {{ regex_test('log_lines.line_text', '^[ \\t\\n\\r]*[{]') }} as starts_an_object,
        {{ parse_agent_log_line('log_lines.line_text') }} as record,
        log_lines.line_text
    from log_lines
    inner join log_files
        on log_lines.source_path = log_files.source_path

),

lines_checked as (

    select
        source_path,
        agent,
        line_order,
        lines_before,
        reader_problem,
        line_octets,
        is_blank,
        case
            when is_blank or reader_problem is not null then null
            when record is null then case when {{ json_is_valid('line_text') }} then 'not_an_object' else 'not_json' end
            when not starts_an_object then 'not_an_object'
        end as parse_problem,
        record,
        case
            when agent = 'codex' and not is_blank and starts_an_object and record is not null
                then {{ log_is_object('record', 'payload', 'line_text') }}
        end as payload_is_object
    from lines_parsed

),

values_read as (

    select
        source_path,
        agent,
        line_order,
        lines_before,
        reader_problem,
        line_octets,
        is_blank,
        parse_problem,
        payload_is_object,
        {{ log_json('record', 'type') }} as type_json,
        {{ log_string('record', 'type') }} as type_text,
        {{ log_string('record', 'timestamp') }} as event_timestamp,
        -- Claude
        {{ log_string('record', 'message.role') }} as message_role,
        {{ log_string('record', 'message.id') }} as message_id_text,
        {{ log_string('record', 'message.model') }} as message_model,
        {{ log_json('record', 'message.stop_reason') }} is not null as has_stop_reason,
        {{ log_json('record', 'message.usage.input_tokens') }} as usage_input_json,
        {{ log_json('record', 'message.usage.cache_creation_input_tokens') }} as usage_cache_creation_json,
        {{ log_json('record', 'message.usage.cache_read_input_tokens') }} as usage_cache_read_json,
        {{ log_json('record', 'message.usage.output_tokens') }} as usage_output_json,
        {{ log_json('record', 'message.usage.cache_creation.ephemeral_5m_input_tokens') }} as usage_cache_write_5m_json,
        {{ log_json('record', 'message.usage.cache_creation.ephemeral_1h_input_tokens') }} as usage_cache_write_1h_json,
        left({{ log_json('record', 'message.content') }}, 1) as content_first_char,
        {{ log_size('record', 'message.content') }} as message_content_chars,
        case
            when agent = 'claude' and left({{ log_json('record', 'message.content') }}, 1) = '['
                then {{ claude_content_blocks('record') }}
        end as content_blocks,
        {{ log_json('record', 'isSidechain') }} = 'true' as is_sidechain,
        nullif({{ log_string('record', 'agentId') }}, '') as agent_id,
        nullif({{ log_string('record', 'requestId') }}, '') as request_id,
        {{ log_string('record', 'sessionId') }} as record_session_id,
        {{ log_json('record', 'toolUseResult.durationMs') }} as runner_duration_ms_json,
        {{ log_json('record', 'toolUseResult.duration_ms') }} as runner_duration_ms_snake_json,
        {{ log_json('record', 'toolUseResult.durationSeconds') }} as runner_duration_s_json,
        {{ log_json('record', 'toolUseResult.duration_seconds') }} as runner_duration_s_snake_json,
        -- Codex
        {{ log_json('record', 'payload.type') }} as payload_type_json,
        {{ log_string('record', 'payload.type') }} as payload_type_text,
        nullif({{ log_string('record', 'payload.id') }}, '') as payload_id,
        {{ log_string('record', 'payload.cwd') }} as payload_cwd,
        {{ log_string('record', 'payload.turn_id') }} as payload_turn_id,
        {{ log_string('record', 'payload.model') }} as payload_model,
        {{ log_string('record', 'payload.role') }} as payload_role,
        {{ log_string('record', 'payload.call_id') }} as payload_call_id,
        {{ log_string('record', 'payload.name') }} as payload_name,
        nullif({{ log_string('record', 'payload.forked_from_id') }}, '') as payload_forked_from_id,
        nullif({{ log_string('record', 'payload.source.subagent.thread_spawn.parent_thread_id') }}, '') as payload_parent_thread_id,
        {{ log_text_size('record', 'payload.message') }} as payload_message_chars,
        {{ log_text_size('record', 'payload.content') }} as payload_content_chars,
        {{ log_size('record', 'payload.arguments') if include_content() else log_text_size('record', 'payload.arguments') }}
            as payload_arguments_chars,
        {{ log_size('record', 'payload.input') if include_content() else log_text_size('record', 'payload.input') }}
            as payload_input_chars,
        {{ log_json('record', 'payload.arguments') if include_content() else 'cast(null as string)' }} as payload_arguments_json,
        {{ log_json('record', 'payload.input') if include_content() else 'cast(null as string)' }} as payload_input_json,
        left({{ log_json('record', 'payload.output') }}, 1) as output_first_char,
        case when left({{ log_json('record', 'payload.output') }}, 1) = '{' then {{ log_json('record', 'payload.output') }} end as output_object_json,
        {{ log_string('record', 'payload.output') }} as output_text,
        length({{ log_json('record', 'payload.output') }}) as output_json_chars,
        {{ log_string('record', 'payload.aggregated_output') }} as aggregated_output_text,
        {{ log_json('record', 'payload.exit_code') }} as exit_code_json,
        {{ log_string('record', 'payload.stdout') }} as stdout_text,
        {{ log_string('record', 'payload.stderr') }} as stderr_text,
        {{ log_json('record', 'payload.success') }} as success_json,
        {{ log_json('record', 'payload.info') }} as info_json
    from lines_checked

),

records_labelled as (

    select
        *,
        case
            when type_text is not null then type_text
            when type_json is null then '<missing>'
            else '<not-a-string>'
        end as type_label,
        case
            when payload_type_text is not null then payload_type_text
            when payload_type_json is null then '<missing>'
            else '<not-a-string>'
        end as payload_type_label,
        case
            when not (parse_problem is null and reader_problem is null and not is_blank) then null
            when agent = 'claude' and message_role = 'user' then 'user'
            when agent = 'claude' and type_text = 'assistant' and message_role = 'assistant' then 'assistant'
        end as claude_kind,
        parse_problem is null and reader_problem is null and not is_blank as is_record,
        -- the first exit code written in a text output ('' when none), R6.6
        regexp_extract(output_text, '(Process exited with code|Exit code:)\s*(-?[0-9]+)', 2) as exit_code_text
    from values_read

),

records_categorized as (

    select
        records_labelled.*,
        case
            when not records_labelled.is_record then null
            when records_labelled.agent = 'codex' and (
                    records_labelled.type_label in ('session_meta', 'turn_context', 'compacted') or not records_labelled.payload_is_object
                ) then records_labelled.type_label
            when records_labelled.agent = 'codex' then records_labelled.type_label || '/' || records_labelled.payload_type_label
            else records_labelled.type_label
        end as record_label
    from records_labelled

),

records_kinded as (

    select
        records_categorized.*,
        case
            when not records_categorized.is_record then null
            when records_categorized.claude_kind is not null then 'used'
            when records_categorized.agent = 'codex' and records_categorized.type_label in ('session_meta', 'turn_context')
                then case when records_categorized.payload_is_object then 'used' else 'unknown' end
            else coalesce(record_kinds.category, 'unknown')
        end as record_category
    from records_categorized
    left join record_kinds
        on records_categorized.agent = record_kinds.agent and records_categorized.record_label = record_kinds.label

),

records_typed as (

    select
        source_path,
        agent,
        line_order,
        lines_before,
        line_octets,
        is_blank,
        reader_problem,
        parse_problem,
        record_label,
        record_category,
        case when is_record then event_timestamp end as event_timestamp,
        case when is_record then {{ instant_us('event_timestamp') }} end as event_instant_us,
        -- Claude (R5)
        claude_kind,
        is_sidechain,
        agent_id,
        request_id,
        record_session_id,
        case
            when claude_kind <> 'assistant' then null
            when message_id_text = '<synthetic>' or message_model = '<synthetic>' then 'synthetic_records'
            when coalesce(message_id_text, '') = '' then 'assistant_records_without_id'
        end as assistant_skip,
        case when claude_kind = 'assistant' then nullif(message_id_text, '') end as message_id,
        case when claude_kind = 'assistant' then message_model end as message_model,
        has_stop_reason,
        coalesce(
            {{ json_integer('usage_input_json') }} is not null
            or {{ json_integer('usage_cache_creation_json') }} is not null
            or {{ json_integer('usage_cache_read_json') }} is not null
            or {{ json_integer('usage_output_json') }} is not null,
            false
        ) as usage_bearing,
        coalesce({{ json_integer('usage_input_json') }}, 0) as usage_input_tokens,
        coalesce({{ json_integer('usage_cache_creation_json') }}, 0) as usage_cache_creation_tokens,
        coalesce({{ json_integer('usage_cache_read_json') }}, 0) as usage_cache_read_tokens,
        coalesce({{ json_integer('usage_output_json') }}, 0) as usage_output_tokens,
        {{ json_integer('usage_cache_write_5m_json') }} as usage_cache_write_5m_tokens,
        {{ json_integer('usage_cache_write_1h_json') }} as usage_cache_write_1h_tokens,
        case
            when claude_kind is null then null
            when content_first_char = '"' then 'string'
            when content_first_char = '[' then 'list'
        end as content_kind,
        content_blocks,
        case
            when {{ json_number('runner_duration_ms_json') }} is not null
                then {{ round_half_even(json_number('runner_duration_ms_json') ~ ' * cast(1 as double)') }}
            when {{ json_number('runner_duration_ms_snake_json') }} is not null
                then {{ round_half_even(json_number('runner_duration_ms_snake_json') ~ ' * cast(1 as double)') }}
            when {{ json_number('runner_duration_s_json') }} is not null
                then {{ round_half_even(json_number('runner_duration_s_json') ~ ' * cast(1000 as double)') }}
            when {{ json_number('runner_duration_s_snake_json') }} is not null
                then {{ round_half_even(json_number('runner_duration_s_snake_json') ~ ' * cast(1000 as double)') }}
        end as runner_internal_ms,
        -- Codex (R6)
        case
            when agent <> 'codex' or coalesce(record_category, '') <> 'used' then null
            when type_label in ('session_meta', 'turn_context') then type_label
            else payload_type_text
        end as codex_kind,
        payload_id,
        payload_parent_thread_id,
        payload_forked_from_id,
        payload_cwd,
        payload_turn_id,
        payload_model,
        payload_role,
        payload_call_id,
        payload_name,
        message_content_chars,
        payload_message_chars,
        payload_content_chars,
        case payload_type_text
            when 'function_call' then payload_arguments_chars
            when 'custom_tool_call' then payload_input_chars
        end as tool_input_chars,
        case payload_type_text
            when 'function_call' then payload_arguments_json
            when 'custom_tool_call' then payload_input_json
        end as tool_input_json,
        case
            -- size(output): a string's code points, else its JSON text's
            when payload_type_text in ('function_call_output', 'custom_tool_call_output')
                then coalesce(length(output_text), output_json_chars)
            when payload_type_text = 'exec_command_end' then length(aggregated_output_text)
            when payload_type_text = 'patch_apply_end' and (stdout_text is not null or stderr_text is not null)
                then coalesce(length(stdout_text), 0) + coalesce(length(stderr_text), 0)
        end as result_chars,
        case
            when payload_type_text in ('function_call_output', 'custom_tool_call_output')
                then coalesce(
                        case
                            when output_first_char = '{' then {{ json_object_error('output_object_json') }}
                            when {{ regex_test('output_text', '^[ \\t\\n\\r]*[{]') }} then {{ json_object_error('output_text') }}
                        end,
                        case
                            when exit_code_text <> '' then not {{ regex_test('exit_code_text', '^-?0+\\z') }}
                        end
                    )
            when payload_type_text = 'exec_command_end' then {{ json_integer('exit_code_json') }} <> 0
            when payload_type_text = 'patch_apply_end' then case success_json when 'true' then false when 'false' then true end
        end as result_is_error,
        -- `Wall time: X seconds` in the result text ('' when none), R6.6
        regexp_extract(
            case payload_type_text
                when 'function_call_output' then output_text
                when 'custom_tool_call_output' then output_text
                when 'exec_command_end' then aggregated_output_text
                when 'patch_apply_end' then stdout_text
            end,
            'Wall time: ([0-9]+([.][0-9]+)?) seconds',
            1
        ) as wall_time_text,
        case
            when payload_type_text <> 'token_count' then null
            when left(info_json, 1) <> '{' or info_json is null then 'info_null'
            when
                coalesce(left({{ json_at('info_json', '$.last_token_usage') }}, 1), '') <> '{'
                or coalesce(left({{ json_at('info_json', '$.total_token_usage') }}, 1), '') <> '{'
                then 'usage_missing'
            else 'candidate'
        end as token_status,
        case when payload_type_text = 'token_count' and left(info_json, 1) = '{' then info_json end as token_info_json
    from records_kinded

),

records_finished as (

    select
        source_path,
        agent,
        line_order,
        lines_before,
        line_octets,
        is_blank,
        reader_problem,
        parse_problem,
        record_label,
        record_category,
        event_timestamp,
        event_instant_us,
        claude_kind,
        is_sidechain,
        agent_id,
        request_id,
        record_session_id,
        assistant_skip,
        message_id,
        message_model,
        has_stop_reason,
        usage_bearing,
        usage_input_tokens,
        usage_cache_creation_tokens,
        usage_cache_read_tokens,
        usage_output_tokens,
        usage_cache_write_5m_tokens,
        usage_cache_write_1h_tokens,
        content_kind,
        case
            when claude_kind is not null then message_content_chars
            when codex_kind = 'user_message' then payload_message_chars
            when codex_kind = 'message' then payload_content_chars
        end as content_chars,
        case when content_kind = 'list' then content_blocks end as content_blocks,
        runner_internal_ms,
        codex_kind,
        case when codex_kind = 'session_meta' then payload_id end as meta_session_id,
        case when codex_kind = 'session_meta' then payload_parent_thread_id end as meta_parent_thread_id,
        case when codex_kind = 'session_meta' then payload_forked_from_id end as meta_forked_from_id,
        case when codex_kind in ('session_meta', 'turn_context') then payload_cwd end as sets_cwd,
        case when codex_kind in ('turn_context', 'task_started') then payload_turn_id end as sets_turn_id,
        case when codex_kind = 'turn_context' then payload_model end as sets_model,
        codex_kind = 'message' and payload_role = 'assistant' as is_assistant_message,
        case
            when codex_kind in ('function_call', 'custom_tool_call') then nullif(payload_call_id, '')
            when codex_kind in ('function_call_output', 'custom_tool_call_output', 'exec_command_end', 'patch_apply_end')
                then payload_call_id
        end as call_id,
        case when codex_kind in ('function_call', 'custom_tool_call') then payload_name end as tool_name,
        case when codex_kind in ('function_call', 'custom_tool_call') then tool_input_chars end as tool_input_chars,
        case when codex_kind in ('function_call', 'custom_tool_call') then tool_input_json end as tool_input_json,
        case when codex_kind in ('function_call_output', 'custom_tool_call_output', 'exec_command_end', 'patch_apply_end') then result_chars end
            as result_chars,
        case when codex_kind in ('function_call_output', 'custom_tool_call_output', 'exec_command_end', 'patch_apply_end') then result_is_error end
            as result_is_error,
        case
            when
                codex_kind in ('function_call_output', 'custom_tool_call_output', 'exec_command_end', 'patch_apply_end')
                and wall_time_text <> ''
                then {{ round_half_even("cast(wall_time_text as double) * cast(1000 as double)") }}
        end as result_internal_ms,
        case when codex_kind = 'token_count' then token_status end as token_status,
        case
            when codex_kind = 'token_count' and token_status = 'candidate'
                then {{ json_canonical(json_at('token_info_json', '$.total_token_usage')) }}
        end as total_token_usage_canonical,
        case
            when codex_kind = 'token_count' and token_status = 'candidate'
                then coalesce({{ json_integer(json_at('token_info_json', '$.last_token_usage.input_tokens')) }}, 0)
        end as last_input_tokens,
        case
            when codex_kind = 'token_count' and token_status = 'candidate'
                then coalesce({{ json_integer(json_at('token_info_json', '$.last_token_usage.cached_input_tokens')) }}, 0)
        end as last_cached_input_tokens,
        case
            when codex_kind = 'token_count' and token_status = 'candidate'
                then coalesce({{ json_integer(json_at('token_info_json', '$.last_token_usage.output_tokens')) }}, 0)
        end as last_output_tokens,
        case
            when codex_kind = 'token_count' and token_status = 'candidate'
                then coalesce({{ json_integer(json_at('token_info_json', '$.last_token_usage.reasoning_output_tokens')) }}, 0)
        end as last_reasoning_output_tokens
    from records_typed

),

lines_numbered as (

    select
        *,
        lines_before + line_order - min(line_order) over (partition by source_path) + 1 as line_number
    from records_finished

),

final as (

    select
        source_path,
        agent,
        cast(line_number as bigint) as line_number,
        cast(line_octets as bigint) as line_octets,
        is_blank,
        reader_problem,
        parse_problem,
        record_label,
        record_category,
        event_timestamp,
        event_instant_us,
        claude_kind,
        coalesce(is_sidechain, false) as is_sidechain,
        agent_id,
        request_id,
        record_session_id,
        assistant_skip,
        message_id,
        message_model,
        has_stop_reason,
        usage_bearing,
        usage_input_tokens,
        usage_cache_creation_tokens,
        usage_cache_read_tokens,
        usage_output_tokens,
        usage_cache_write_5m_tokens,
        usage_cache_write_1h_tokens,
        content_kind,
        cast(content_chars as bigint) as content_chars,
        content_blocks,
        runner_internal_ms,
        codex_kind,
        meta_session_id,
        meta_parent_thread_id,
        meta_forked_from_id,
        sets_cwd,
        sets_turn_id,
        sets_model,
        coalesce(is_assistant_message, false) as is_assistant_message,
        call_id,
        tool_name,
        cast(tool_input_chars as bigint) as tool_input_chars,
        tool_input_json,
        cast(result_chars as bigint) as result_chars,
        result_is_error,
        result_internal_ms,
        token_status,
        total_token_usage_canonical,
        last_input_tokens,
        last_cached_input_tokens,
        last_output_tokens,
        last_reasoning_output_tokens
    from lines_numbered

)

select * from final
