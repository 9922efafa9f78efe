{#- Lines the engine's reader cannot hand over as text: bytes that are not UTF-8, and lines
    longer than var('max_line_bytes'). DuckDB's reader skips them and records them in temporary
    tables (store_rejects, see source trace.steps), and these macros put them back; Spark's
    reader hands them over (invalid bytes become U+FFFD) and its base model flags them. Either
    way they become rejections of stg_trace__lines with their file and line. -#}


{% macro clear_reader_rejects() -%}
    {{ return(adapter.dispatch('clear_reader_rejects', 'trace_atlas')()) }}
{%- endmacro %}

{% macro default__clear_reader_rejects() -%}
    select 1
{%- endmacro %}

{% macro duckdb__clear_reader_rejects() -%}
    {#- Pre-hook: the reject tables belong to this connection and grow with every scan. -#}
    drop table if exists trace_reader_rejects;
    drop table if exists trace_reader_scans
{%- endmacro %}


{% macro restore_reader_rejects() -%}
    {{ return(adapter.dispatch('restore_reader_rejects', 'trace_atlas')()) }}
{%- endmacro %}

{% macro default__restore_reader_rejects() -%}
    select 1
{%- endmacro %}

{% macro duckdb__restore_reader_rejects() -%}
    {#- Post-hook of stg_trace__lines, on the connection that scanned the trace. The lines the
        reader skipped are put back as rejections, and the lines after them in their file move
        down to their physical line number (the scan numbered only the lines it handed over).
        Nothing happens when nothing was skipped, or when nothing was read line by line (the
        fast reader, an empty batch). The skipped lines of the build are kept in the table
        trace_reader_skipped_lines (empty when none), for restore_skipped_line_numbers. -#}
    {%- if trace_reader() == 'fast' or trace_files() | length == 0 %}
    create or replace table trace_reader_skipped_lines (
        source_file varchar, line_number bigint, skipped_rank bigint
    )
    {%- else %}
    create or replace temporary table trace_reader_skipped as
    select
        scans.file_path as source_file,
        rejects.line as line_number,
        case rejects.error_type
            when 'INVALID ENCODING' then 'not_utf8'
            when 'LINE SIZE OVER MAXIMUM' then 'line_too_long'
            else 'not_json'
        end as rejection_reason,
        rejects.csv_line as line_text,
        row_number() over (partition by scans.file_path order by rejects.line) as skipped_rank
    from trace_reader_rejects as rejects
    inner join trace_reader_scans as scans
        on rejects.scan_id = scans.scan_id and rejects.file_id = scans.file_id;

    {#- kept for stg_trace__activity, whose own scan numbers the lines the same way; the
        lines of this table move down first -#}
    create or replace table trace_reader_skipped_lines as
    select source_file, line_number, skipped_rank
    from trace_reader_skipped;

    {{ duckdb__restore_skipped_line_numbers() }};

    insert into {{ this }} (source_file, line_number, is_blank, rejection_reason, rejection_problem, line_excerpt, unparseable_timestamp_count)
    select
        skipped.source_file,
        skipped.line_number,
        false,
        skipped.rejection_reason,
        case skipped.rejection_reason
            when 'not_utf8' then 'the line is not UTF-8 text'
            when 'line_too_long' then 'the line is longer than {{ var("max_line_bytes") }} bytes'
            else 'the line is not valid JSON'
        end,
        case when skipped.rejection_reason <> 'not_utf8' then left(skipped.line_text, 200) end,
        0
    from trace_reader_skipped as skipped
    order by skipped.source_file, skipped.line_number
    {%- endif %}
{%- endmacro %}


{% macro restore_skipped_line_numbers() -%}
    {{ return(adapter.dispatch('restore_skipped_line_numbers', 'trace_atlas')()) }}
{%- endmacro %}

{% macro default__restore_skipped_line_numbers() -%}
    select 1
{%- endmacro %}

{% macro duckdb__restore_skipped_line_numbers() -%}
    {#- Post-hook of a model that numbers the lines DuckDB's line reader handed over, as
        stg_trace__lines does before its post-hook (stg_trace__activity): the lines after a
        skipped line (not UTF-8, too long) move down to their physical line number, from the
        table restore_reader_rejects kept for this build. -#}
    update {{ this }} as kept
    set line_number = kept.line_number + (
        select count(*) from trace_reader_skipped_lines as skipped
        where skipped.source_file = kept.source_file
            and skipped.line_number - skipped.skipped_rank < kept.line_number
    )
    where kept.source_file in (select skipped.source_file from trace_reader_skipped_lines as skipped)
{%- endmacro %}
