{#- Reading the normalized trace: the file list, the documented schema, the reader. -#}

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
        {{ exceptions.raise_compiler_error("var 'trace' is empty: pass a path, a glob or a comma-separated list, e.g. --vars '{trace: data/my_trace.jsonl.gz}'") }}
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
            {{ exceptions.raise_compiler_error("Trace input not found: '" ~ pattern ~ "' matches no file (working directory: the dbt project). Pass an existing .jsonl / .jsonl.gz path or glob with --vars '{trace: ...}' or make run TRACE=...") }}
        {%- endif -%}
        {%- for row in matched.rows -%}
            {%- if row[0] not in files -%}
                {%- do files.append(row[0]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(files | sort) }}
{%- endmacro %}


{% macro trace_json_columns() -%}
    {#- The documented step schema of SPEC section 2, as (name, type) pairs in DuckDB type syntax.
        Giving it explicitly keeps keys that appear late in a file (auto-detection samples and
        silently drops them) and keys absent from the whole trace (they read as NULL). -#}
    {%- set timing_event = "struct(event_type varchar, \"timestamp\" varchar, source varchar, tool_call_id varchar, tool_index bigint, tool_name varchar, is_error boolean, result_chars bigint, content_chars bigint)" -%}
    {%- set tool_call = "struct(tool_index bigint, tool_name varchar, tool_call_id varchar, emitted_at varchar, result_at varchar, tool_wall_latency_ms double, tool_internal_latency_ms double, is_error boolean, input_chars bigint, result_chars bigint)" -%}
    {{ return([
        ('provider', 'varchar'),
        ('project', 'varchar'),
        ('session_id', 'varchar'),
        ('session_file', 'varchar'),
        ('round_index', 'bigint'),
        ('round_id', 'varchar'),
        ('turn_id', 'varchar'),
        ('trace_key', 'varchar'),
        ('model', 'varchar'),
        ('store', 'varchar'),
        ('home', 'varchar'),
        ('user', 'varchar'),
        ('input_tokens_total', 'bigint'),
        ('prefix_tokens', 'bigint'),
        ('newly_append_tokens', 'bigint'),
        ('output_tokens', 'bigint'),
        ('reasoning_output_tokens', 'bigint'),
        ('claude_uncached_input_tokens', 'bigint'),
        ('claude_cache_creation_input_tokens', 'bigint'),
        ('claude_cache_read_input_tokens', 'bigint'),
        ('current_input_event_count', 'bigint'),
        ('current_user_message_count', 'bigint'),
        ('current_tool_result_count', 'bigint'),
        ('current_user_message_chars', 'bigint'),
        ('current_tool_result_chars', 'bigint'),
        ('current_input_chars', 'bigint'),
        ('first_input_event_type', 'varchar'),
        ('timing_events', timing_event ~ '[]'),
        ('tools', tool_call ~ '[]'),
    ]) }}
{%- endmacro %}


{% macro read_trace() -%}
    {{ return(adapter.dispatch('read_trace', 'trace_atlas')()) }}
{%- endmacro %}

{% macro duckdb__read_trace() -%}
    {#- DuckDB's newline-delimited JSON reader over the sorted file list (gzip by suffix), with the
        explicit schema and the file name of every row. -#}
    read_json(
        [{%- for file in trace_files() %}'{{ file | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}],
        format = 'newline_delimited',
        filename = true,
        maximum_object_size = 268435456,
        columns = {
            {%- for name, data_type in trace_json_columns() %}
            '{{ name }}': '{{ data_type | replace("'", "''") }}'{{ "," if not loop.last }}
            {%- endfor %}
        }
    )
{%- endmacro %}
