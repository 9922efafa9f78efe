{#- One row per Claude record the step rules use (grain: source_path, line_number): user and
    assistant records (R3.2), each placed in its chain (R5.1). A sub-agent file is one chain;
    elsewhere a record with isSidechain true belongs to chain sidechain/<agentId> (or sidechain),
    any other to chain main. The chain's session_id is claude:<session key>, with
    /<chain> for a sidechain chain; its steps are sub-agent steps unless it is the main chain of
    a main session file (R7.6). #}

with

log_lines as (

    select
        source_path,
        line_number,
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
        content_chars,
        content_blocks,
        runner_internal_ms
    from {{ ref('stg_agent_logs__lines') }}
    where agent = 'claude' and claude_kind is not null

),

log_files as (

    select
        source_path,
        source_file,
        file_order,
        project,
        session_key,
        file_uuid,
        is_subagent_file
    from {{ ref('stg_agent_logs__files') }}
    where agent = 'claude'

),

records_chained as (

    select
        log_lines.*,
        log_files.source_file,
        log_files.file_order,
        log_files.project,
        log_files.session_key,
        log_files.file_uuid,
        log_files.is_subagent_file,
        case
            when log_files.is_subagent_file or not log_lines.is_sidechain then 'main'
            when log_lines.agent_id is not null then 'sidechain/' || log_lines.agent_id
            else 'sidechain'
        end as chain_name
    from log_lines
    inner join log_files
        on log_lines.source_path = log_files.source_path

),

final as (

    select
        source_path,
        source_file,
        file_order,
        line_number,
        project,
        chain_name,
        'claude:' || session_key || case when chain_name = 'main' then '' else '/' || chain_name end as session_id,
        is_subagent_file or chain_name <> 'main' as chain_is_subagent,
        claude_kind,
        assistant_skip,
        message_id,
        message_model,
        request_id,
        is_sidechain,
        coalesce(record_session_id = file_uuid, false) as names_its_file,
        event_timestamp,
        event_instant_us,
        has_stop_reason,
        usage_bearing,
        usage_input_tokens,
        usage_cache_creation_tokens,
        usage_cache_read_tokens,
        usage_output_tokens,
        usage_cache_write_5m_tokens,
        usage_cache_write_1h_tokens,
        content_kind,
        content_chars,
        content_blocks,
        runner_internal_ms
    from records_chained

)

select * from final
