{#- Spark variants of the trace reader's engine-specific pieces (macros/read_trace.sql): the file
    list and the physical lines. Checked by tests/spark/test_spark_trace_lines.py. -#}

{% macro spark__trace_files() -%}
    {#- Spark SQL has no glob(); the binaryFile source lists a pattern (Hadoop glob: * ? [ab]
        {a,b}) without reading the files when no content column is selected. It returns
        absolute 'file:' paths, turned back into the pattern's form (relative to the working
        directory, the JVM's user.dir, when the pattern is relative) and sorted by name.
        Differences from DuckDB: a pattern matching nothing fails with Spark's PATH_NOT_FOUND
        message, and names starting with '_' or '.' are skipped by Spark's file sources. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set working_directory = run_query("select reflect('java.lang.System', 'getProperty', 'user.dir')").columns[0].values()[0] -%}
    {%- set files = [] -%}
    {%- for pattern in trace_file_patterns() -%}
        {%- set matched = run_query("select path from binaryFile.`" ~ (pattern | replace('`', '``')) ~ "`") -%}
        {%- if matched.rows | length == 0 -%}
            {{ exceptions.raise_compiler_error("Trace input not found: '" ~ pattern ~ "' matches no file (paths are relative to the dbt project). Pass an existing .jsonl / .jsonl.gz path or glob: make run TRACE=... or --vars '{trace: ...}'.") }}
        {%- endif -%}
        {%- for row in matched.rows -%}
            {%- set path = row[0][5:] if row[0].startswith('file:') else row[0] -%}
            {%- if not pattern.startswith('/') and path.startswith(working_directory ~ '/') -%}
                {%- set path = path[(working_directory | length) + 1:] -%}
            {%- endif -%}
            {%- if path not in files -%}
                {%- do files.append(path) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(files | sort) }}
{%- endmacro %}


{% macro spark__read_trace_lines() -%}
    {{ return(spark_trace_lines_from(trace_files())) }}
{%- endmacro %}


{% macro spark_trace_lines_from(files) -%}
    {#- Every physical line of the given files (in this order), blank ones included, as
        (source_file, input_row, line_text), like duckdb__read_trace_lines: the text source
        splits on LF, CRLF or CR and decompresses .gz by suffix; a leading UTF-8 BOM is removed
        from a file's first line and an empty line is NULL, as DuckDB's CSV reader gives them.
        Spark reads files in partitions packed by size, so row order is rebuilt: the file's
        position in the list, the start of the file split a row came from (a plain file larger
        than spark.sql.files.maxPartitionBytes is split; gzip never is) and
        monotonically_increasing_id(), which increases with the line within a partition.
        input_row is dense (1, 2, ... in file order, then line order), at the price of one
        global sort. -#}
    (
        select
            source_file,
            row_number() over (order by file_index, split_start, row_in_partition) as input_row,
            case
                when row_number() over (partition by file_index order by split_start, row_in_partition) = 1
                    then nullif(regexp_replace(line_text, '^\uFEFF', ''), '')
                else nullif(line_text, '')
            end as line_text
        from (
            {%- for file in files %}
            select
                {{ loop.index }} as file_index,
                {{ spark_string_literal(file) }} as source_file,
                _metadata.file_block_start as split_start,
                monotonically_increasing_id() as row_in_partition,
                value as line_text
            from text.`{{ file | replace('`', '``') }}`
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        ) as file_lines
    )
{%- endmacro %}


{% macro spark_string_literal(text) -%}
    {#- A Spark SQL string literal of any text. '' is not an escaped quote in Spark (adjacent
        literals concatenate: 'it''s' is 'its'), and backslash escaping depends on
        spark.sql.parser.escapedStringLiterals, so quotes and backslashes are spelled
        chr(39) and chr(92). -#}
    {%- set pieces = [] -%}
    {%- for piece in (text | string).split("'") -%}
        {%- do pieces.append(piece.split("\\") | join("' || chr(92) || '")) -%}
    {%- endfor -%}
    {{ return("'" ~ (pieces | join("' || chr(39) || '")) ~ "'") }}
{%- endmacro %}


{% macro spark__trace_list_rows(list_name, position_column, fields) -%}
    {#- duckdb__trace_list_rows on Spark: one row per element of an accepted step's nested list,
        with its 1-based position and (name, kind) fields. The list is read as the JSON texts
        of its elements, each then parsed into the element's fields, so that one element that
        does not fit (a tools entry that is not an object, a field of another type) is a row of
        NULLs, as in DuckDB, instead of losing the list. Spark's conversion is stricter than
        DuckDB's: a field whose JSON type differs from its kind (a string "12" for an integer)
        is NULL here, where DuckDB converts it. -#}
    {%- set types = {'text': 'string', 'integer': 'bigint', 'double': 'double', 'boolean': 'boolean'} %}
    {%- set element_type = [] %}
    {%- for name, kind in fields %}{% do element_type.append('`' ~ name ~ '` ' ~ types[kind]) %}{% endfor %}
    with

    trace_lines as (

        select
            cast(input_row as bigint) as input_row,
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
            from_json(trace_lines.line_text, '`{{ list_name }}` array<string>').{{ list_name }} as list_items
        from trace_lines
        inner join steps
            on trace_lines.input_row = steps.input_row

    ),

    items_unnested as (

        select
            step_id,
            posexplode(list_items) as (item_position, item_text)
        from lists_parsed

    ),

    items_parsed as (

        select
            step_id,
            cast(item_position + 1 as bigint) as {{ position_column }},
            from_json(item_text, '{{ element_type | join(", ") }}') as list_item
        from items_unnested

    )

    select
        step_id,
        {{ position_column }},
        {%- for name, kind in fields %}
        list_item.`{{ name }}` as `{{ name }}`{{ "," if not loop.last }}
        {%- endfor %}
    from items_parsed
{%- endmacro %}
