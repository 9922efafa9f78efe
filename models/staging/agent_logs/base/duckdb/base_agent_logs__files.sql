{#- One row per log file found (grain: source_path) with its size in bytes: the source's
    read_blob over the same globs as the lines, projecting the size only (the content is never
    read). Empty files are listed too. #}

with

log_files as (

    select
        filename as source_path,
        size as file_size
    from {{ source('agent_log_files', 'files') }}

),

final as (

    select
        source_path,
        cast(file_size as bigint) as file_size
    from log_files

)

select * from final
