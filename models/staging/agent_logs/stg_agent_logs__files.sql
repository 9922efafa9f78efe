{#- One row per log file read (grain: source_path), with what its path says (R1): the agent and
    root it was found under, its path relative to the root, its source_file (R1.7) and its
    place in file order (R1.6: Claude roots before Codex roots, roots in the order given, then
    the relative path by code point). Claude files directly in a projects folder are not read
    (R1.3); a Claude file is a sub-agent file under a `subagents` folder or when named
    agent-*.jsonl (R1.4); a Codex file under archived_sessions/ is archived (R1.5). #}

with

log_files as (

    select
        source_path,
        file_size
    from {{ ref('base_agent_logs__files') }}

),

roots as (

    select
        agent,
        root_number,
        folder,
        relative_base
    from {{ ref('stg_agent_logs__roots') }}

),

files_rooted as (

    select
        log_files.source_path,
        log_files.file_size,
        roots.agent,
        roots.root_number,
        substr(log_files.source_path, length(roots.relative_base) + 2) as relative_path
    from log_files
    inner join roots
        on left(log_files.source_path, length(roots.folder) + 1) = roots.folder || '/'

),

paths_split as (

    select
        *,
        length(relative_path) - length(replace(relative_path, '/', '')) + 1 as component_count,
        split_part(relative_path, '/', 1) as first_component,
        regexp_extract(relative_path, '[^/]*$', 0) as file_name,
        -- the folders between the first component and the file name ('' when none)
        regexp_extract(relative_path, '^[^/]*/(.*)/[^/]*$', 1) as inner_folders
    from files_rooted

),

files_described as (

    select
        source_path,
        agent,
        root_number,
        relative_path,
        case when root_number = 1 then relative_path else cast(root_number as string) || ':' || relative_path end as source_file,
        file_size,
        file_name,
        left(file_name, length(file_name) - 6) as file_stem,
        case when agent = 'claude' then first_component end as project,
        -- Claude: the path below the project folder without .jsonl (R5.1)
        case
            when agent = 'claude'
                then left(substr(relative_path, length(first_component) + 2), length(relative_path) - length(first_component) - 7)
        end as session_key,
        -- Claude: the session uuid a native record's sessionId names (R5.4.2)
        case
            when agent = 'claude'
                then regexp_replace(split_part(relative_path, '/', 2), '[.]jsonl$', '')
        end as file_uuid,
        agent = 'claude' and (
            {{ regex_test("'/' || inner_folders || '/'", '/subagents/') }} or left(file_name, 6) = 'agent-'
        ) as is_subagent_file,
        agent = 'codex' and first_component = 'archived_sessions' as is_archived
    from paths_split
    where agent = 'codex' or component_count >= 2

),

final as (

    select
        source_path,
        agent,
        root_number,
        relative_path,
        source_file,
        row_number() over (
            order by case when agent = 'claude' then 1 else 2 end, root_number, relative_path
        ) as file_order,
        file_size,
        file_name,
        file_stem,
        project,
        session_key,
        file_uuid,
        is_subagent_file,
        is_archived
    from files_described

)

select * from final
