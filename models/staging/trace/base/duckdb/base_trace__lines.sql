{#- One row per line DuckDB hands over (grain: input_row), in file order then line order.
    input_row is the scan's own order (preserve_insertion_order keeps it), so no sort is
    needed. Two readers (macro trace_reader):
    - exact: read_csv as source trace.steps (macro duckdb_line_reader), one text column and
      no quoting, so it splits on line breaks only (LF or CRLF), strips a UTF-8 BOM,
      decompresses .gz by suffix and hands over blank lines too; lines it cannot read (not
      UTF-8, longer than var max_line_bytes) are skipped, recorded, and put back by
      stg_trace__lines (macro restore_reader_rejects).
    - fast: read_json into `step`, the type stg_trace__lines parses a line into (macro
      duckdb_step_type), without the text (line_text is NULL); it refuses malformed JSON, a
      repeated key and a value of the wrong shape, and skips blank lines (the runner compares
      each file's line count with its own and reads the batch again with exact on any doubt).
    With an empty batch (nothing new to read), no row. #}

-- depends_on: {{ source('trace', 'steps') }}
{%- set files = trace_files() %}

with

{%- if files | length == 0 %}

final as (

    select
        cast(null as varchar) as source_file,
        cast(null as bigint) as input_row,
        cast(null as varchar) as line_text,
        cast(null as varchar) as reader_problem{% if trace_reader() == 'fast' %},
        cast(null as {{ duckdb_step_type() }}) as step{% endif %}
    where false

)
{%- elif trace_reader() == 'fast' %}

trace_steps as (

    select
        filename as source_file,
        step
    from read_json(
        {{ sql_string_list(files) }},
        format = 'newline_delimited', records = false, filename = true,
        columns = {'step': '{{ duckdb_step_type() | replace("'", "''") }}'},
        maximum_object_size = {{ var('fast_reader_max_line_bytes') }}
    )

),

final as (

    select
        source_file,
        row_number() over () as input_row,
        cast(null as varchar) as line_text,
        cast(null as varchar) as reader_problem,
        step
    from trace_steps

)
{%- else %}

trace_lines as (

    select
        filename as source_file,
        line_text
    from {{ duckdb_line_reader(files) }}

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
{%- endif %}

select * from final
