{#- One row per line of the trace files (grain: input_row), blank lines included, in file order
    then line order, as Spark's text source reads them (LF, CRLF or CR; .gz by suffix). Spark
    reads files in parallel splits, so the order is rebuilt from the file's path, the start of
    the split and the row's position within it; a UTF-8 BOM is removed from a file's first
    line, as DuckDB's reader does. Lines DuckDB's reader could not read are flagged the same way:
    bytes that are not UTF-8 (Spark keeps a line's bytes as read; such a line is handed over
    without its text, as DuckDB's reader does) and lines longer than max_line_bytes. #}

with

trace_lines as (

    select
        url_decode(regexp_replace(_metadata.file_path, '^file:(//)?', '')) as source_file,
        _metadata.file_block_start as split_start,
        monotonically_increasing_id() as row_in_split,
        value as line_text
    from {{ source('trace', 'steps') }}

),

lines_ordered as (

    select
        source_file,
        cast(row_number() over (order by source_file, split_start, row_in_split) as bigint) as input_row,
        row_number() over (partition by source_file order by split_start, row_in_split) as line_number,
        line_text
    from trace_lines

),

final as (

    select
        source_file,
        input_row,
        -- Spark hands over every line: its strings keep the bytes as read, valid UTF-8 or not;
        -- a line that is not UTF-8 has no text, as on DuckDB
        case
            when not is_valid_utf8(line_text) then null
            when line_number = 1 then regexp_replace(line_text, '^\uFEFF', '')
            else line_text
        end as line_text,
        case
            when not is_valid_utf8(line_text) then 'not_utf8'
            when octet_length(line_text) + 1 > {{ var('max_line_bytes') }} then 'line_too_long'
        end as reader_problem
    from lines_ordered

)

select * from final
