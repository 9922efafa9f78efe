{#- The timing facts the idle-gap and thinking-time experiments read from a normalized trace
    line: its timing events and tool calls, each as a list of the few keys they need. -#}

{% macro trace_line_items(line_text, key, fields) -%}
    {{ return(adapter.dispatch('trace_line_items', 'trace_atlas')(line_text, key, fields)) }}
{%- endmacro %}

{% macro duckdb__trace_line_items(line_text, key, fields) -%}
    {#- The list at `key` of the line, each element a struct of `fields` (JSON text); NULL when
        the line, the list or an element is not what the input format says. -#}
    try(from_json(json_extract({{ line_text }}, '$.{{ key }}'), '[{ {%- for field in fields %}"{{ field }}":"JSON"{{ "," if not loop.last }}{% endfor -%} }]'))
{%- endmacro %}

{% macro spark__trace_line_items(line_text, key, fields) -%}
    -- Spark: the list's elements as VARIANTs (any key can be read)
    try_variant_get(try_parse_json({{ line_text }}), '$.{{ key }}', 'array<variant>')
{%- endmacro %}


{% macro trace_fast_lines(files) -%}
    {{ return(adapter.dispatch('trace_fast_lines', 'trace_atlas')(files)) }}
{%- endmacro %}

{% macro duckdb__trace_fast_lines(files) -%}
    {#- DuckDB, when the build reads with the fast reader (every line a JSON object, no blank
        line): the two lists of each line as a small JSON object, read by DuckDB's JSON reader
        instead of the text, in file order then line order. -#}
    (
        select
            filename as source_file,
            row_number() over () as input_row,
            cast(json_object('timing_events', timing_events, 'tools', tools) as varchar) as line_text
        from read_json(
            {{ sql_string_list(files) }},
            format = 'newline_delimited', records = true, filename = true,
            columns = {'timing_events': 'JSON', 'tools': 'JSON'},
            maximum_object_size = {{ var('max_line_bytes') }}
        )
    )
{%- endmacro %}

{% macro default__trace_fast_lines(files) -%}
    {{ exceptions.raise_compiler_error("the fast reader is DuckDB's only") }}
{%- endmacro %}


{% macro percentile_nearest_pair(position, lower_rank, count, lower_value, upper_value) -%}
    {#- The thinking-time table's percentile (docs/method.md), bit for bit: i = (n - 1) * q,
        lo = floor(i), hi = min(lo + 1, n - 1), w = i - lo; v[lo] when lo = hi, else
        v[lo] * (1 - w) + v[hi] * w. (The idle-gap table uses percentile_linear.) -#}
    case
        when {{ lower_rank }} = least({{ lower_rank }} + 1, {{ count }} - 1) then {{ lower_value }}
        else {{ lower_value }} * (cast(1 as double) - ({{ position }} - cast({{ lower_rank }} as double)))
            + {{ upper_value }} * ({{ position }} - cast({{ lower_rank }} as double))
    end
{%- endmacro %}


{% macro trace_db_instant_us(column, columns) -%}
    {#- A time column of a prebuilt trace database (DuckDB) as microseconds since 1970: a
        TIMESTAMP as it is (its epoch_us, as the reference atlas reads it), text as ISO 8601
        (instant_us); NULL when the table lacks the column. -#}
    {%- set dtype = columns.get(column, '') -%}
    {%- if not dtype -%}
        cast(null as bigint)
    {%- elif 'timestamp' in dtype -%}
        cast(epoch_us({{ adapter.quote(column) }}) as bigint)
    {%- else -%}
        {{ instant_us('cast(' ~ adapter.quote(column) ~ ' as varchar)') }}
    {%- endif -%}
{%- endmacro %}


{% macro sql_text_or_null(value) -%}
    {#- A value of the user's price file as a SQL text literal (quotes doubled); NULL when empty. -#}
    {%- if value is none or (value | string | trim) == '' -%}
        null
    {%- else -%}
        '{{ value | string | trim | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}


{% macro idle_input_cost(append, cache_write) -%}
    {#- The input cost of a split (docs/method.md): the append not written to the cache at the
        input rate, the written part at the 5-minute cache-write rate; NULL when unpriced. -#}
    case
        when is_priced
            then ({{ append }} - greatest(0, least({{ cache_write }}, {{ append }}))) * input_usd_per_token
            + greatest(0, least({{ cache_write }}, {{ append }})) * cache_write_usd_per_token
    end
{%- endmacro %}
