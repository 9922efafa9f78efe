{#- One row per line of the log files (grain: source_path, line_order), blank lines included,
    as Spark's text source reads them (LF, CRLF or CR). Spark reads files in parallel splits, so
    a file's line order is rebuilt from the start of the split and the row's position within
    it; a UTF-8 BOM is removed from a file's first line, as DuckDB's reader does. Lines
    DuckDB's reader could not read are flagged the same way: bytes that are not UTF-8 (Spark's
    strings keep the bytes as read, so a U+FFFD written in the log is text like any other) and
    lines longer than max_line_bytes. #}

with

log_lines as (

    select
        url_decode(regexp_replace(_metadata.file_path, '^file:(//)?', '')) as source_path,
        _metadata.file_block_start as split_start,
        monotonically_increasing_id() as row_in_split,
        value as line_text
    from {{ source('agent_log_lines', 'lines') }}

),

lines_ordered as (

    select
        source_path,
        cast(row_number() over (partition by source_path order by split_start, row_in_split) as bigint) as line_order,
        line_text
    from log_lines

),

final as (

    select
        source_path,
        line_order,
        case when line_order = 1 then regexp_replace(line_text, '^\uFEFF', '') else line_text end as line_text,
        -- Spark reads every file whole
        cast(0 as bigint) as lines_before,
        -- Spark hands over every line: its strings keep the bytes as read, valid UTF-8 or not
        case
            when not is_valid_utf8(line_text) then 'not_utf8'
            when octet_length(line_text) + 1 > {{ var('max_line_bytes') }} then 'line_too_long'
        end as reader_problem
    from lines_ordered

)

select * from final
