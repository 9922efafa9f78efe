{#- One row per line DuckDB's reader hands over (grain: input_row), blank lines included, in
    file order then line order: the source's read_csv with one text column and no quoting, so
    it splits on line breaks only (LF or CRLF), strips a UTF-8 BOM and decompresses .gz by
    suffix. input_row is the scan's own order (preserve_insertion_order keeps it), so no sort is
    needed. Lines the reader cannot read (not UTF-8, longer than var max_line_bytes) are skipped
    by it and recorded; stg_trace__lines puts them back as rejections (macro
    restore_reader_rejects). #}

with

trace_lines as (

    select
        filename as source_file,
        line_text
    from {{ source('trace', 'steps') }}

),

final as (

    select
        source_file,
        row_number() over () as input_row,
        line_text,
        -- lines DuckDB's reader cannot read are skipped by it and put back by stg_trace__lines
        cast(null as varchar) as reader_problem
    from trace_lines

)

select * from final
