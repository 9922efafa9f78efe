{#- One row per Codex file (grain: source_path) with what is known before its first line is
    read (R6.1, R6.2, R8.2): the session uuid (payload.id of its first session_meta with an
    object payload), its lineage (a sub-agent file names its parent in
    source.subagent.thread_spawn.parent_thread_id, a fork in forked_from_id) and, for a file
    whose name was already read, why all its steps are set aside -- the copy under
    sessions/ wins over archived_sessions/, then file order. #}

with

codex_files as (

    select
        source_path,
        source_file,
        file_order,
        file_name,
        file_stem,
        is_archived
    from {{ ref('stg_agent_logs__files') }}
    where agent = 'codex'

),

session_metas as (

    select
        source_path,
        meta_session_id,
        meta_parent_thread_id,
        meta_forked_from_id,
        row_number() over (partition by source_path order by line_number) as meta_rank
    from {{ ref('stg_agent_logs__lines') }}
    where codex_kind = 'session_meta'

),

final as (

    select
        codex_files.source_path,
        codex_files.source_file,
        codex_files.file_order,
        codex_files.file_name,
        codex_files.file_stem,
        codex_files.is_archived,
        session_metas.meta_session_id as session_uuid,
        coalesce(session_metas.meta_parent_thread_id, session_metas.meta_forked_from_id) as parent_id,
        case
            when session_metas.meta_parent_thread_id is not null then 'codex_subagent_replay'
            when session_metas.meta_forked_from_id is not null then 'codex_fork_replay'
        end as replay_reason,
        coalesce(session_metas.meta_parent_thread_id is not null, false) as is_subagent,
        case
            when row_number() over (partition by codex_files.file_name order by codex_files.is_archived, codex_files.file_order) = 1
                then null
            when codex_files.is_archived then 'archived_duplicate_file'
            else 'duplicate_file'
        end as file_set_aside_reason
    from codex_files
    left join session_metas
        on codex_files.source_path = session_metas.source_path and session_metas.meta_rank = 1

)

select * from final
