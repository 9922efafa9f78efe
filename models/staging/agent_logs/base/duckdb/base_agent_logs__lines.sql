{#- One row per line DuckDB's reader hands over (grain: source_path, line_order), blank lines
    included: the source's read_csv with one text column and no quoting splits on line breaks
    only (LF or CRLF) and strips a UTF-8 BOM. line_order is the scan's own order
    (preserve_insertion_order keeps it: file after file, line after line), so a file's lines
    are numbered from it without a sort. Lines the reader cannot read (not UTF-8, longer than
    var max_line_bytes) are skipped by it and recorded; stg_agent_logs__lines puts them back.
    Under the runner's plan (macro agent_log_plan) only the files it marks `read` are scanned,
    with the same reader; with none to read, no row. #}

-- depends_on: {{ source('agent_log_lines', 'lines') }}
{%- set files = agent_log_files_to_read() %}

with

log_lines as (

    {%- if not agent_log_plan() %}
    select
        filename as source_path,
        line_text
    from {{ source('agent_log_lines', 'lines') }}
    {%- elif files | length == 0 %}
    select
        cast(null as varchar) as source_path,
        cast(null as varchar) as line_text
    where false
    {%- else %}
    select
        filename as source_path,
        line_text
    from {{ duckdb_line_reader(files) }}
    {%- endif %}

),

final as (

    select
        source_path,
        row_number() over () as line_order,
        line_text,
        -- lines DuckDB's reader cannot read are skipped by it and put back by stg_agent_logs__lines
        cast(null as varchar) as reader_problem
    from log_lines

)

select * from final
