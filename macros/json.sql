{#- JSON expressions that differ between engines. A trace line is parsed once into `step`
    (parse_trace_line); the checks of stg_trace__lines then read its fields through these
    macros, so the model itself is the same SQL on every engine. -#}


{% macro json_kind(raw) -%}
    {#- The JSON type of a raw JSON value's text, in engine-neutral words: string, object, array,
        boolean, integer (digits, optionally after a minus sign, of any size), number (any other
        number), NULL for no value. Plain SQL on the text: the same on every engine. -#}
    case
        when {{ raw }} is null then null
        when left({{ raw }}, 1) = '"' then 'string'
        when left({{ raw }}, 1) = '{' then 'object'
        when left({{ raw }}, 1) = '[' then 'array'
        when {{ raw }} in ('true', 'false') then 'boolean'
        when {{ raw }} = 'null' then 'null'
        when translate(case when left({{ raw }}, 1) = '-' then substr({{ raw }}, 2) else {{ raw }} end, '0123456789', '') = ''
            and length({{ raw }}) > case when left({{ raw }}, 1) = '-' then 1 else 0 end
            then 'integer'
        else 'number'
    end
{%- endmacro %}


{% macro integer_issue(kind, raw, part) -%}
    {#- Why a JSON value is not a valid count (a non-negative 64-bit integer), given its kind
        (json_kind) and raw text, for a value already found invalid: part 'reason' gives
        negative_integer, integer_out_of_range or not_an_integer, part 'problem' the words. -#}
    case
        when {{ kind }} = 'integer' and left({{ raw }}, 1) = '-'
            then {% if part == 'reason' %}'negative_integer'{% else %}'expected a non-negative integer, got ' || left({{ raw }}, 40){% endif %}
        when {{ kind }} = 'integer'
            then {% if part == 'reason' %}'integer_out_of_range'{% else %}'integer ' || left({{ raw }}, 40) || ' exceeds the 64-bit range'{% endif %}
        else {% if part == 'reason' %}'not_an_integer'{% else %}'expected a non-negative integer, got ' || {{ kind }} || ' ' || left({{ raw }}, 40){% endif %}
    end
{%- endmacro %}


{% macro number_as_written(raw, kind, line_text, key) -%}
    {#- A number that is not an integer, as the line writes it: each engine re-formats a parsed
        1e21, 1E5 or 0.10000000000000001 its own way, so a message quotes the line's own text
        (the first `"key": <number>` whose value is the parsed one; the parsed text when none
        is, e.g. when a nested key of that name with another value comes first). Any other
        value's text unchanged. Only for messages: a regex over the line. Both engines read
        string literals as written (Spark: spark.sql.parser.escapedStringLiterals). -#}
    case
        when {{ kind }} = 'number'
            and try_cast(regexp_extract({{ line_text }}, '"{{ key }}"\s*:\s*(-?[0-9][-+.0-9eE]*)', 1) as double) = try_cast({{ raw }} as double)
            then regexp_extract({{ line_text }}, '"{{ key }}"\s*:\s*(-?[0-9][-+.0-9eE]*)', 1)
        else {{ raw }}
    end
{%- endmacro %}


{% macro parse_trace_line(line_text) -%}
    {{ return(adapter.dispatch('parse_trace_line', 'trace_atlas')(line_text)) }}
{%- endmacro %}

{% macro duckdb__parse_trace_line(line_text) -%}
    {#- One from_json into the documented keys (duckdb_step_type): NULL when the line is not
        JSON. -#}
    try(from_json({{ line_text }}, '{{ duckdb_step_type('json') }}'))
{%- endmacro %}

{% macro duckdb_step_type(notation='sql') -%}
    {#- The type a line is parsed into on DuckDB, as a SQL type (notation 'sql', for read_json)
        or a JSON structure (notation 'json', for from_json): integer keys and provider stay
        raw JSON text (so that "123", 12.0 or true can be told from 123), boolean keys raw JSON
        text too (so that "true" or 1 can be told from true), other text keys
        VARCHAR, timing_events a list of (event_type as raw JSON, timestamp), tools a list of
        raw elements. -#}
    {%- set parts = [] -%}
    {%- for field in trace_fields() -%}
        {%- if field.json in ('integer', 'boolean') or (field.json == 'text' and field.experiment_reads) -%}
            {%- set sql, json = 'JSON', '"JSON"' -%}
        {%- elif field.json == 'text' -%}
            {%- set sql, json = 'VARCHAR', '"VARCHAR"' -%}
        {%- elif field.name == 'timing_events' -%}
            {%- set sql, json = 'STRUCT("event_type" JSON, "timestamp" VARCHAR)[]', '[{"event_type":"JSON","timestamp":"VARCHAR"}]' -%}
        {%- else -%}
            {%- set sql, json = 'JSON[]', '["JSON"]' -%}
        {%- endif -%}
        {%- do parts.append(('"' ~ field.name ~ '" ' ~ sql) if notation == 'sql' else ('"' ~ field.name ~ '":' ~ json)) -%}
    {%- endfor -%}
    {{ ('STRUCT(' ~ parts | join(', ') ~ ')') if notation == 'sql' else ('{' ~ parts | join(',') ~ '}') }}
{%- endmacro %}

{% macro spark__parse_trace_line(line_text) -%}
    {#- Spark: the line as a VARIANT (`document`), kept with its text (`line`): a VARIANT holds
        12.0 as the number 12, so the JSON text of a number is read from the line itself
        (get_json_object). NULL when the line is not JSON. -#}
    case
        when try_parse_json({{ line_text }}) is not null
            then named_struct('document', try_parse_json({{ line_text }}), 'line', {{ line_text }})
    end
{%- endmacro %}


{% macro spark_json_text(step, path, null_text=none) -%}
    {#- The JSON text of the value at a path: numbers as the line writes them (get_json_object),
        anything else as the VARIANT's JSON; NULL when absent, and for a JSON null `null_text`
        (NULL by default, as DuckDB reads a null key). -#}
    case
        when is_variant_null(variant_get({{ step }}.document, '{{ path }}')) then {{ "'" ~ null_text ~ "'" if null_text else 'null' }}
        when schema_of_variant(variant_get({{ step }}.document, '{{ path }}')) rlike '^(DECIMAL|DOUBLE|FLOAT|BIGINT|INT|SMALLINT|TINYINT)'
            then get_json_object({{ step }}.line, '{{ path }}')
        else to_json(variant_get({{ step }}.document, '{{ path }}'))
    end
{%- endmacro %}


{% macro json_raw(step, key) -%}
    {{ return(adapter.dispatch('json_raw', 'trace_atlas')(step, key)) }}
{%- endmacro %}

{% macro duckdb__json_raw(step, key) -%}
    {#- The JSON text of a top-level key kept raw by parse_trace_line; NULL when absent or null. -#}
    cast({{ step }}."{{ key }}" as varchar)
{%- endmacro %}

{% macro spark__json_raw(step, key) -%}
    {{ spark_json_text(step, '$.' ~ key) }}
{%- endmacro %}


{% macro json_text_field(step, key) -%}
    {{ return(adapter.dispatch('json_text_field', 'trace_atlas')(step, key)) }}
{%- endmacro %}

{% macro duckdb__json_text_field(step, key) -%}
    {#- A key parsed as VARCHAR (scalars as their text). -#}
    {{ step }}."{{ key }}"
{%- endmacro %}

{% macro spark__json_text_field(step, key) -%}
    -- a string as its text, any other value as its JSON text, as DuckDB's VARCHAR reads it
    case
        when schema_of_variant(variant_get({{ step }}.document, '$.{{ key }}')) = 'STRING'
            then variant_get({{ step }}.document, '$.{{ key }}', 'string')
        else {{ spark_json_text(step, '$.' ~ key) }}
    end
{%- endmacro %}


{% macro json_string_value(raw) -%}
    {{ return(adapter.dispatch('json_string_value', 'trace_atlas')(raw)) }}
{%- endmacro %}

{% macro duckdb__json_string_value(raw) -%}
    {#- The text of a raw JSON value that is a string (escapes undone); NULL otherwise. -#}
    case when starts_with({{ raw }}, '"') then json_extract_string({{ raw }}, '$') end
{%- endmacro %}

{% macro spark__json_string_value(raw) -%}
    case when startswith({{ raw }}, '"') then variant_get(parse_json({{ raw }}), '$', 'string') end
{%- endmacro %}


{% macro json_list_length(step, key) -%}
    {{ return(adapter.dispatch('json_list_length', 'trace_atlas')(step, key)) }}
{%- endmacro %}

{% macro duckdb__json_list_length(step, key) -%}
    {#- Elements of a list key; NULL when absent, null or not a list. -#}
    len({{ step }}."{{ key }}")
{%- endmacro %}

{% macro spark__json_list_length(step, key) -%}
    -- a value that is not an array has no length, as in DuckDB
    case
        when schema_of_variant(variant_get({{ step }}.document, '$.{{ key }}')) like 'ARRAY%'
            then size(cast(variant_get({{ step }}.document, '$.{{ key }}') as array<variant>))
    end
{%- endmacro %}


{% macro first_event_raw(step, key) -%}
    {{ return(adapter.dispatch('first_event_raw', 'trace_atlas')(step, key)) }}
{%- endmacro %}

{% macro duckdb__first_event_raw(step, key) -%}
    {#- The raw JSON text of a key of timing_events[0] (NULL when absent). -#}
    cast({{ step }}.timing_events[1]."{{ key }}" as varchar)
{%- endmacro %}

{% macro spark__first_event_raw(step, key) -%}
    {{ spark_json_text(step, '$.timing_events[0].' ~ key) }}
{%- endmacro %}


{% macro json_raw_at(line_text, path) -%}
    {{ return(adapter.dispatch('json_raw_at', 'trace_atlas')(line_text, path)) }}
{%- endmacro %}

{% macro duckdb__json_raw_at(line_text, path) -%}
    {#- The JSON text of the value at a path of the line (NULL when absent): a second parse,
        used only for the few lines a cheap test flagged. -#}
    cast(json_extract({{ line_text }}, '{{ path }}') as varchar)
{%- endmacro %}

{% macro spark__json_raw_at(line_text, path) -%}
    {{ spark_json_text("named_struct('document', try_parse_json(" ~ line_text ~ "), 'line', " ~ line_text ~ ")", path, 'null') }}
{%- endmacro %}


{% macro first_non_object_event(step, line_text) -%}
    {{ return(adapter.dispatch('first_non_object_event', 'trace_atlas')(step, line_text)) }}
{%- endmacro %}

{% macro duckdb__first_non_object_event(step, line_text) -%}
    {#- The 1-based position of the first element of timing_events that is not a JSON object;
        NULL when every element is one (or there is no list). A non-object parses as an element
        without keys, so only lines holding such an element are looked at again. Without the
        line's text (the fast reader, which refuses any non-object but null), the first null. -#}
    case
        when list_bool_or(list_transform(
            {{ step }}.timing_events,
            lambda event: event is null or (event.event_type is null and event."timestamp" is null)
        ))
            then nullif(list_position(
                coalesce(
                    list_transform(json_type({{ line_text }}, '$.timing_events[*]'), lambda element_type: element_type = 'OBJECT'),
                    list_transform({{ step }}.timing_events, lambda event: event is not null)
                ),
                false
            ), 0)
    end
{%- endmacro %}

{% macro spark__first_non_object_event(step, line_text) -%}
    nullif(array_position(
        transform(
            try_variant_get({{ step }}.document, '$.timing_events', 'array<variant>'),
            event -> coalesce(schema_of_variant(event) like 'OBJECT%', false)
        ),
        false
    ), 0)
{%- endmacro %}


{% macro unparseable_timestamps(step, part) -%}
    {{ return(adapter.dispatch('unparseable_timestamps', 'trace_atlas')(step, part)) }}
{%- endmacro %}

{% macro duckdb__unparseable_timestamps(step, part) -%}
    {#- Timing events whose timestamp is present but is not an ISO 8601 date-time
        (timestamp_is_iso): part 'count', 'first_index' (0-based) or 'first_text'. -#}
    {%- if part == 'count' -%}
        len(list_filter({{ step }}.timing_events, lambda event: not {{ timestamp_is_iso('event."timestamp"') }}))
    {%- elif part == 'first_index' -%}
        nullif(list_position(list_transform({{ step }}.timing_events, lambda event: not {{ timestamp_is_iso('event."timestamp"') }}), true), 0) - 1
    {%- else -%}
        list_filter({{ step }}.timing_events, lambda event: not {{ timestamp_is_iso('event."timestamp"') }})[1]."timestamp"
    {%- endif %}
{%- endmacro %}

{% macro spark__unparseable_timestamps(step, part) -%}
    {%- if part == 'count' -%}
        size(filter(try_variant_get({{ step }}.document, '$.timing_events', 'array<variant>'), event -> not {{ timestamp_is_iso("try_variant_get(event, '$.timestamp', 'string')") }}))
    {%- elif part == 'first_index' -%}
        nullif(array_position(transform(try_variant_get({{ step }}.document, '$.timing_events', 'array<variant>'), event -> not {{ timestamp_is_iso("try_variant_get(event, '$.timestamp', 'string')") }}), true), 0) - 1
    {%- else -%}
        try_variant_get(filter(try_variant_get({{ step }}.document, '$.timing_events', 'array<variant>'), event -> not {{ timestamp_is_iso("try_variant_get(event, '$.timestamp', 'string')") }})[0], '$.timestamp', 'string')
    {%- endif %}
{%- endmacro %}


{% macro timestamp_is_iso(text) -%}
    {{ return(adapter.dispatch('timestamp_is_iso', 'trace_atlas')(text)) }}
{%- endmacro %}

{% macro duckdb__timestamp_is_iso(text) -%}
    {#- An ISO 8601 date, or date-time with seconds (fraction up to microseconds) and an
        optional Z or +hh:mm zone, that is a real time: the same forms on every engine. True
        for NULL (an absent timestamp is not a bad one). -#}
    ({{ text }} is null or coalesce(regexp_full_match({{ text }}, '{{ iso_timestamp_pattern() }}') and try_cast({{ text }} as timestamptz) is not null, false))
{%- endmacro %}

{% macro spark__timestamp_is_iso(text) -%}
    ({{ text }} is null or coalesce({{ text }} rlike '^{{ iso_timestamp_pattern() }}$' and try_cast({{ text }} as timestamp) is not null, false))
{%- endmacro %}


{% macro iso_timestamp_pattern() -%}
    [0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?)?
{%- endmacro %}


{% macro json_key_count(line_text, path, key) -%}
    {{ return(adapter.dispatch('json_key_count', 'trace_atlas')(line_text, path, key)) }}
{%- endmacro %}

{% macro duckdb__json_key_count(line_text, path, key) -%}
    {#- How many times an object (at path; '$' for the line) holds the key. -#}
    len(list_filter(json_keys({{ line_text }}, '{{ path }}'), lambda found_key: found_key = '{{ key }}'))
{%- endmacro %}

{% macro spark__json_key_count(line_text, path, key) -%}
    -- json_object_keys reads the text as written, repeats included
    size(filter(
        json_object_keys({% if path == '$' %}{{ line_text }}{% else %}get_json_object({{ line_text }}, '{{ path }}'){% endif %}),
        found_key -> found_key = '{{ key }}'
    ))
{%- endmacro %}


{% macro count_occurrences(text, literal) -%}
    {{ return(adapter.dispatch('count_occurrences', 'trace_atlas')(text, literal)) }}
{%- endmacro %}

{% macro duckdb__count_occurrences(text, literal) -%}
    {#- Occurrences of a literal without regex metacharacters, e.g. '"provider"'. -#}
    len(regexp_extract_all({{ text }}, '{{ literal }}'))
{%- endmacro %}

{% macro spark__count_occurrences(text, literal) -%}
    regexp_count({{ text }}, '{{ literal }}')
{%- endmacro %}


{% macro json_lone_surrogates_replaced(text) -%}
    {{ return(adapter.dispatch('json_lone_surrogates_replaced', 'trace_atlas')(text)) }}
{%- endmacro %}

{% macro json_surrogate_escapes() -%}
    {#- A regular expression (the same on both engines) that reads a JSON text's escapes from left
        to right as tokens: an escaped backslash, a surrogate pair, or a lone surrogate escape
        (the only token of 6 characters). -#}
    \\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}
{%- endmacro %}

{% macro duckdb__json_lone_surrogates_replaced(text) -%}
    {#- The text with every lone surrogate escape (half of a pair, e.g. \ud83d of a cut emoji)
        written as \ufffd, the replacement character: JSON that Python reads, and that the
        engines' parsers refuse. Any other text unchanged; the rewrite runs only on lines that
        hold a surrogate escape. -#}
    case
        when contains({{ text }}, '\u') and regexp_matches({{ text }}, '\\u[dD][89a-fA-F]')
            then array_to_string(list_transform(
                list_zip(string_split_regex({{ text }}, '{{ json_surrogate_escapes() }}'), regexp_extract_all({{ text }}, '{{ json_surrogate_escapes() }}')),
                lambda piece: piece[1] || coalesce(case when length(piece[2]) = 6 then '\ufffd' else piece[2] end, '')
            ), '')
        else {{ text }}
    end
{%- endmacro %}

{% macro spark__json_lone_surrogates_replaced(text) -%}
    case
        when contains({{ text }}, '\u') and {{ text }} rlike '\\u[dD][89a-fA-F]'
            then array_join(zip_with(
                split({{ text }}, '{{ json_surrogate_escapes() }}', -1),
                regexp_extract_all({{ text }}, '{{ json_surrogate_escapes() }}', 0),
                (piece, token) -> concat(piece, coalesce(case when length(token) = 6 then '\ufffd' else token end, ''))
            ), '')
        else {{ text }}
    end
{%- endmacro %}
