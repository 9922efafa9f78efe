{#- Reading the normalized trace: the file list, the documented schema, the line reader. -#}

{% macro trace_file_patterns() -%}
    {#- var('trace') is one path or glob, or several separated by commas. -#}
    {%- set raw = var('trace') -%}
    {%- set patterns = [] -%}
    {%- for item in (raw if raw is not string else raw.split(',')) -%}
        {%- if item | trim | length > 0 -%}
            {%- do patterns.append(item | trim) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if patterns | length == 0 -%}
        {{ exceptions.raise_compiler_error("var 'trace' is empty: pass a path, a glob or a comma-separated list, e.g. make run TRACE=data/my_trace.jsonl.gz") }}
    {%- endif -%}
    {{ return(patterns) }}
{%- endmacro %}


{% macro trace_files() -%}
    {{ return(adapter.dispatch('trace_files', 'trace_atlas')()) }}
{%- endmacro %}

{% macro default__trace_files() -%}
    {#- Expands every pattern with the engine's glob, then sorts all names: file order is sorted
        file-name order, whatever order the patterns came in. Fails when a pattern matches nothing. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set files = [] -%}
    {%- for pattern in trace_file_patterns() -%}
        {%- set matched = run_query("select file from glob('" ~ (pattern | replace("'", "''")) ~ "') order by file") -%}
        {%- if matched.rows | length == 0 -%}
            {{ exceptions.raise_compiler_error("Trace input not found: '" ~ pattern ~ "' matches no file (paths are relative to the dbt project). Pass an existing .jsonl / .jsonl.gz path or glob: make run TRACE=... or --vars '{trace: ...}'.") }}
        {%- endif -%}
        {%- for row in matched.rows -%}
            {%- if row[0] not in files -%}
                {%- do files.append(row[0]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(files | sort) }}
{%- endmacro %}


{% macro trace_step_fields() -%}
    {#- The scalar step fields of SPEC 2 as (name, kind): kind `integer` fields must be JSON
        integers >= 0 (or null/absent), `text` fields are read as text, `double` as numbers. -#}
    {{ return([
        ('provider', 'text'),
        ('project', 'text'),
        ('session_id', 'text'),
        ('session_file', 'text'),
        ('round_index', 'integer'),
        ('round_id', 'text'),
        ('turn_id', 'text'),
        ('trace_key', 'text'),
        ('model', 'text'),
        ('store', 'text'),
        ('home', 'text'),
        ('user', 'text'),
        ('input_tokens_total', 'integer'),
        ('prefix_tokens', 'integer'),
        ('newly_append_tokens', 'integer'),
        ('output_tokens', 'integer'),
        ('reasoning_output_tokens', 'integer'),
        ('claude_uncached_input_tokens', 'integer'),
        ('claude_cache_creation_input_tokens', 'integer'),
        ('claude_cache_read_input_tokens', 'integer'),
        ('current_input_event_count', 'integer'),
        ('current_user_message_count', 'integer'),
        ('current_tool_result_count', 'integer'),
        ('current_user_message_chars', 'integer'),
        ('current_tool_result_chars', 'integer'),
        ('current_input_chars', 'integer'),
        ('first_input_event_type', 'text'),
    ]) }}
{%- endmacro %}


{% macro trace_list_fields() -%}
    {#- The nested lists of a step and the fields of their elements, as (name, kind). -#}
    {{ return({
        'timing_events': [
            ('event_type', 'text'),
            ('timestamp', 'text'),
            ('source', 'text'),
            ('tool_call_id', 'text'),
            ('tool_index', 'integer'),
            ('tool_name', 'text'),
            ('is_error', 'boolean'),
            ('result_chars', 'integer'),
            ('content_chars', 'integer'),
        ],
        'tools': [
            ('tool_index', 'integer'),
            ('tool_name', 'text'),
            ('tool_call_id', 'text'),
            ('emitted_at', 'text'),
            ('result_at', 'text'),
            ('tool_wall_latency_ms', 'double'),
            ('tool_internal_latency_ms', 'double'),
            ('is_error', 'boolean'),
            ('input_chars', 'integer'),
            ('result_chars', 'integer'),
        ],
    }) }}
{%- endmacro %}


{% macro read_trace_lines() -%}
    {{ return(adapter.dispatch('read_trace_lines', 'trace_atlas')()) }}
{%- endmacro %}

{% macro duckdb__read_trace_lines() -%}
    {#- Every physical line of the sorted trace files, blank ones included, as
        (source_file, input_row, line_text): DuckDB's CSV reader with one column and no
        quoting, so it splits on line breaks only (LF or CRLF), strips a UTF-8 BOM and
        decompresses .gz by suffix. The delimiter chr(1) cannot occur in valid JSON text (raw
        control characters must be escaped); a line holding one is cut there and then fails the
        JSON check. input_row numbers all lines in file order, then line order: the scan
        preserves insertion order, so row_number() over () follows it. A file's line number is
        input_row minus the file's first input_row, plus 1. -#}
    (
        select
            filename as source_file,
            row_number() over () as input_row,
            line_text
        from read_csv(
            [{%- for file in trace_files() %}'{{ file | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}],
            columns = {'line_text': 'varchar'},
            header = false,
            auto_detect = false,
            delim = chr(1),
            quote = '',
            escape = '',
            strict_mode = false,
            max_line_size = 16777216,
            buffer_size = 33554432,
            filename = true
        )
    )
{%- endmacro %}


{% macro json_struct_type(fields) -%}
    {#- A DuckDB from_json structure string for (name, kind) fields; integers stay raw JSON so
        that their type can be checked (from_json would silently coerce "123" or 12.5). -#}
    {#- A kind 'raw:<structure>' gives the structure as written (e.g. a typed list). -#}
    {%- set types = {'text': '"VARCHAR"', 'integer': '"JSON"', 'double': '"DOUBLE"', 'boolean': '"BOOLEAN"', 'json': '"JSON"'} -%}
    {%- set parts = [] -%}
    {%- for name, kind in fields -%}
        {%- do parts.append('"' ~ name ~ '":' ~ (kind[4:] if kind.startswith('raw:') else types[kind])) -%}
    {%- endfor -%}
    '{{ "{" ~ parts | join(",") ~ "}" }}'
{%- endmacro %}


{% macro json_list_type(fields) -%}
    {#- A DuckDB from_json structure string for a list of objects with (name, kind) fields; the
        integers of list elements are not checked, so they are read as BIGINT directly. -#}
    {%- set types = {'text': 'VARCHAR', 'integer': 'BIGINT', 'double': 'DOUBLE', 'boolean': 'BOOLEAN'} -%}
    {%- set parts = [] -%}
    {%- for name, kind in fields -%}
        {%- do parts.append('"' ~ name ~ '":"' ~ types[kind] ~ '"') -%}
    {%- endfor -%}
    '{{ "[{" ~ parts | join(",") ~ "}]" }}'
{%- endmacro %}


{% macro integer_check(name, raw, value) -%}
    {#- One check of base_trace__lines for an integer field: (condition, reason, field,
        problem). `raw` is the field's JSON text, `value` its BIGINT cast. Valid when absent or
        null, or when the JSON text is exactly the decimal text of a BIGINT >= 0 -- so "123",
        12.5, 12.0, 1e3, true and -5 are all caught. The diagnosis (json_type) is only
        evaluated for the rows the condition flags. -#}
    {{ return((
        raw ~ " is not null and (" ~ value ~ " is null or " ~ value ~ " < 0 or cast(" ~ value
            ~ " as varchar) <> cast(" ~ raw ~ " as varchar))",
        "case json_type(" ~ raw ~ ") when 'BIGINT' then 'negative_integer'"
            ~ " when 'UBIGINT' then 'integer_out_of_range' else 'not_an_integer' end",
        "'" ~ name ~ "'",
        "case json_type(" ~ raw ~ ") when 'UBIGINT' then 'integer ' || " ~ raw
            ~ " || ' exceeds the 64-bit range' else 'expected a non-negative integer, got ' || case when json_type("
            ~ raw ~ ") = 'BIGINT' then '' else lower(json_type(" ~ raw ~ ")) || ' ' end || left(" ~ raw ~ ", 40) end",
    )) }}
{%- endmacro %}


{% macro trace_list_rows(list_name, position_column, fields) -%}
    {{ return(adapter.dispatch('trace_list_rows', 'trace_atlas')(list_name, position_column, fields)) }}
{%- endmacro %}

{% macro duckdb__trace_list_rows(list_name, position_column, fields) -%}
    {#- One row per element of a step's nested list (`timing_events` or `tools`) for the
        accepted lines of the JSONL trace: step_id, the 1-based position and the element's
        (name, kind) fields. Reads the trace again (only event-level questions need this) and
        finds each line's step by its input_row. -#}
    with

    trace_lines as (

        select
            input_row,
            line_text
        from {{ read_trace_lines() }}

    ),

    steps as (

        select
            step_id,
            input_row
        from {{ ref('base_trace__lines') }}
        where step_id is not null

    ),

    lists_parsed as (

        select
            steps.step_id,
            from_json(
                try(from_json(trace_lines.line_text, '{"{{ list_name }}":"JSON"}')).{{ list_name }},
                {{ json_list_type(fields) }}
            ) as list_items
        from trace_lines
        inner join steps
            on trace_lines.input_row = steps.input_row

    ),

    items_unnested as (

        select
            step_id,
            unnest(generate_series(1, len(list_items))) as {{ position_column }},
            unnest(list_items) as list_item
        from lists_parsed
        where len(list_items) > 0

    )

    select
        step_id,
        {{ position_column }},
        {%- for name, kind in fields %}
        list_item."{{ name }}" as "{{ name }}"{{ "," if not loop.last }}
        {%- endfor %}
    from items_unnested
{%- endmacro %}
