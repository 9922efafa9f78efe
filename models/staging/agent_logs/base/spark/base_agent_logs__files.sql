{#- One row per log file found (grain: source_path) with its size in bytes: Spark's binaryFile
    source over the same globs as the lines, without its content column (so the content is not
    read). Spark leaves empty files out of a scan, so they are not listed here. #}

with

log_files as (

    select
        url_decode(regexp_replace(path, '^file:(//)?', '')) as source_path,
        length as file_size
    from {{ source('agent_log_files', 'files') }}

),

final as (

    select
        source_path,
        cast(file_size as bigint) as file_size
    from log_files

)

select * from final
