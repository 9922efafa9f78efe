{#- One row per line DuckDB's reader hands over (grain: source_path, line_order), blank lines
    included: the source's read_csv with one text column and no quoting splits on line breaks
    only (LF or CRLF) and strips a UTF-8 BOM. line_order is the scan's own order
    (preserve_insertion_order keeps it: file after file, line after line), so a file's lines
    are numbered from it without a sort. Lines the reader cannot read (not UTF-8, longer than
    var max_line_bytes) are skipped by it and recorded; stg_agent_logs__lines puts them back.
    Under the runner's plan (macro agent_log_plan) only the files it marks `read` are scanned,
    with the same reader, and each file it marks `grow` in a scan of its own that hands over
    the lines after the ones the database keeps (lines_before); with none to read, no row. #}

-- depends_on: {{ source('agent_log_lines', 'lines') }}
{%- set files = agent_log_files_to_read() %}
{%- set grown = agent_log_files_grown() %}

with

log_lines as (

    {%- if not agent_log_plan() %}
    select
        filename as source_path,
        row_number() over () as line_order,
        line_text,
        cast(0 as bigint) as lines_before
    from {{ source('agent_log_lines', 'lines') }}
    {%- elif files | length + grown | length == 0 %}
    select
        cast(null as varchar) as source_path,
        cast(null as bigint) as line_order,
        cast(null as varchar) as line_text,
        cast(null as bigint) as lines_before
    where false
    {%- else %}
    {%- if files %}
    select
        filename as source_path,
        row_number() over () as line_order,
        line_text,
        cast(0 as bigint) as lines_before
    from {{ duckdb_line_reader(files) }}
    {%- endif %}
    {%- for path, kept in grown %}
    {{ 'union all' if files or not loop.first }}
    select
        source_path,
        line_order,
        line_text,
        cast({{ kept }} as bigint) as lines_before
    from (
        select
            filename as source_path,
            row_number() over () as line_order,
            line_text
        from {{ duckdb_line_reader([path]) }}
    )
    where line_order > {{ kept }}
    {%- endfor %}
    {%- endif %}

),

final as (

    select
        source_path,
        line_order,
        line_text,
        lines_before,
        -- lines DuckDB's reader cannot read are skipped by it and put back by stg_agent_logs__lines
        cast(null as varchar) as reader_problem
    from log_lines

)

select * from final
