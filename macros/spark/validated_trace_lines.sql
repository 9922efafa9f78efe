{#- The Spark body of base_trace__lines (macros/validated_trace_lines.sql has the DuckDB one):
    the same columns, types, checks and rejection texts. Checked against DuckDB by
    tests/spark/test_spark_build.py. -#}

{% macro spark__validated_trace_lines() -%}
    {#- Spark's JSON functions differ from DuckDB's, so the line is parsed in two stages.
        1. Every line: one from_json into the documented schema, with integer fields typed
           bigint. Spark's parser is strict where DuckDB's check is (a string "123", 12.5, 12.0,
           1e3, true or a number beyond 64 bits does not convert to bigint; a timing event that
           is not an object does not convert to a struct), and a field that fails to convert
           records the line in a corrupt-record column while every other field keeps its value.
           The line is wrapped as {"step": <line>} so that a line that is not one JSON object
           (an array, a number, trailing text) also lands there. Cheap tests then flag the few
           lines that need a diagnosis: unreadable, negative integers, null timing events.
        2. Flagged lines only (a CASE): the line again as a VARIANT (try_parse_json), whose
           value types give DuckDB's diagnosis (reason, field, problem) in DuckDB's check order
           and words (macros spark_json_type / spark_json_text).
        Differences from DuckDB, only for lines outside strict JSON (never in a normalized
        trace): DuckDB accepts a trailing comma ({"a":1,}) and NaN, Spark rejects both as
        not_json; with a key repeated in a line DuckDB keeps the first value, Spark the last; a
        number beyond the double range is shown as Infinity, not as written. Timestamps: both
        engines agree on the ISO 8601 forms of SPEC 2 (a date, optional time with fraction, Z or
        an offset); rarer forms can differ ('2026/06/01', 'epoch', '2026-06-01T05:41Z' and
        '...T24:00:00Z' parse in DuckDB only, '...12.031 Z' with a space in Spark only). -#}

{%- set step_fields = trace_step_fields() %}
{%- set integer_fields = [] %}
{%- for name, kind in step_fields if kind == 'integer' %}{% do integer_fields.append(name) %}{% endfor %}
{%- set strict = on_bad_lines() == 'strict' %}
{%- set field_types = [] %}
{%- for name, kind in step_fields %}
    {%- do field_types.append('`' ~ name ~ '`: ' ~ ('bigint' if kind == 'integer' else 'string')) %}
{%- endfor %}
{%- do field_types.append('`timing_events`: array<struct<`event_type`: string, `timestamp`: string>>') %}
{#- tools elements are not checked (DuckDB counts them whatever they are): as text they always convert. #}
{%- do field_types.append('`tools`: array<string>') %}
{%- set schema = 'step struct<' ~ field_types | join(', ') ~ '>, unreadable_json string' %}
{%- set options = "map('columnNameOfCorruptRecord', 'unreadable_json', 'allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')" %}
{%- set bad_timestamp = spark_bad_timestamp('event.`timestamp`') %}

{#- The diagnosis, in DuckDB's order; the first that holds rejects the line. Each is
    (condition, reason, field, problem); evaluated only for flagged lines. #}
{%- set checks = [
    ("line_variant is null or json_array_length('[' || line_text || ']') is null",
        "'not_json'", "null", "'the line is not valid JSON'"),
    ("schema_of_variant(line_variant) not like 'OBJECT%'",
        "'not_an_object'", "null",
        "'the line is JSON but not an object (' || " ~ spark_json_type('line_variant', 'btrim(line_text, chr(32) || chr(9))') ~ " || ')'"),
] %}
{%- for name in integer_fields %}
    {%- set raw = "variant_get(line_variant, '$." ~ name ~ "')" %}
    {%- set raw_text = "get_json_object(line_text, '$." ~ name ~ "')" %}
    {%- set type = spark_json_type(raw, raw_text) %}
    {%- do checks.append((
        "step.`" ~ name ~ "` < 0 or (step.`" ~ name ~ "` is null and " ~ raw ~ " is not null and not is_variant_null(" ~ raw ~ "))",
        "case " ~ type ~ " when 'bigint' then 'negative_integer' when 'ubigint' then 'integer_out_of_range' else 'not_an_integer' end",
        "'" ~ name ~ "'",
        "case " ~ type ~ " when 'ubigint' then 'integer ' || " ~ raw_text ~ " || ' exceeds the 64-bit range'"
            ~ " else 'expected a non-negative integer, got ' || case " ~ type ~ " when 'bigint' then '' else " ~ type ~ " || ' ' end"
            ~ " || left(" ~ spark_json_text(raw, raw_text) ~ ", 40) end",
    )) %}
{%- endfor %}
{%- for name in ['timing_events', 'tools'] %}
    {%- set raw = "variant_get(line_variant, '$." ~ name ~ "')" %}
    {%- set type = spark_json_type(raw, "get_json_object(line_text, '$." ~ name ~ "')") %}
    {%- do checks.append((
        "step.`" ~ name ~ "` is null and coalesce(" ~ type ~ " not in ('array', 'null'), false)",
        "'not_a_list'", "'" ~ name ~ "'",
        "'expected a list, got ' || " ~ type,
    )) %}
{%- endfor %}
{%- set event_path = "'$.timing_events[' || (first_non_object_event - 1) || ']'" %}
{%- do checks.append((
    "first_non_object_event is not null",
    "'event_not_an_object'",
    "'timing_events[' || (first_non_object_event - 1) || ']'",
    "'expected an object, got ' || " ~ spark_json_type("try_variant_get(line_variant, " ~ event_path ~ ")", "get_json_object(line_text, " ~ event_path ~ ")"),
)) %}

with

trace_lines as (

    select
        source_file,
        input_row,
        line_text
    from {{ read_trace_lines() }}

),

lines_parsed as (

    select
        source_file,
        cast(input_row as bigint) as input_row,
        line_text,
        case
            when line_text is null then true
            when startswith(line_text, '{') then false
            else btrim(line_text, chr(32) || chr(9) || chr(13)) = ''
        end as is_blank,
        from_json('{"step":' || line_text || '}', '{{ schema }}', {{ options }}) as parsed
    from trace_lines

),

values_extracted as (

    select
        source_file,
        input_row,
        line_text,
        is_blank,
        parsed.step as step,
        not is_blank and (
            parsed.unreadable_json is not null
            or parsed.step is null
            {%- for name in integer_fields %}
            or parsed.step.`{{ name }}` < 0
            {%- endfor %}
            or exists(parsed.step.timing_events, event -> event is null)
        ) as needs_diagnosis,
        nullif(array_position(transform(parsed.step.timing_events, event -> {{ bad_timestamp }}), true), 0)
            as first_bad_timestamp_event
    from lines_parsed

),

lines_reparsed as (

    select
        *,
        case when needs_diagnosis then try_parse_json(line_text) end as line_variant
    from values_extracted

),

events_inspected as (

    select
        *,
        case
            when needs_diagnosis
                then nullif(array_position(
                        transform(
                            try_variant_get(line_variant, '$.timing_events', 'array<variant>'),
                            event -> coalesce(schema_of_variant(event) like 'OBJECT%', false)
                        ),
                        false
                    ), 0)
        end as first_non_object_event
    from lines_reparsed

),

lines_checked as (

    select
        *,
        case
            when is_blank then null
            {%- for check in checks %}
            when needs_diagnosis and ({{ check[0] }}) then {{ loop.index }}
            {%- endfor %}
            {%- if strict %}
            when first_bad_timestamp_event is not null then {{ checks | length + 1 }}
            {%- endif %}
            {#- Unreadable by Spark although no check says why: rejected rather than kept with
                missing values (not seen on any input tried). #}
            when needs_diagnosis then 0
        end as failed_check
    from events_inspected

),

lines_diagnosed as (

    select
        *,
        {%- for column in ['reason', 'field', 'problem'] %}
        case failed_check
            when 0 then {{ {"reason": "'not_json'", "field": "null", "problem": "'the line could not be read as JSON'"}[column] }}
            {%- for check in checks %}
            when {{ loop.index }} then {{ check[{"reason": 1, "field": 2, "problem": 3}[column]] }}
            {%- endfor %}
            {%- if strict %}
            when {{ checks | length + 1 }} then {{ {
                "reason": "'bad_timestamp'",
                "field": "'timing_events[' || (first_bad_timestamp_event - 1) || '].timestamp'",
                "problem": "'timestamp does not parse: ' || left(step.timing_events[first_bad_timestamp_event - 1].`timestamp`, 60)",
            }[column] }}
            {%- endif %}
        end as rejection_{{ column }},
        {%- endfor %}
        case when failed_check is not null then left(line_text, 200) end as line_excerpt
    from lines_checked

),

steps_numbered as (

    select
        source_file,
        input_row,
        case when not is_blank and failed_check is null then input_row end as step_id,
        is_blank,
        rejection_reason,
        rejection_field,
        rejection_problem,
        line_excerpt,
        {%- for name, kind in step_fields %}
        case when failed_check is null then step.`{{ name }}` end as `{{ name }}`,
        {%- endfor %}
        case when failed_check is null then step.timing_events[0].event_type end as first_timing_event_type,
        {%- for column, list_name in [('timing_event_count', 'timing_events'), ('tool_call_count', 'tools')] %}
        case when failed_check is null then cast({{ list_length('step.' ~ list_name) }} as bigint) end as {{ column }},
        {%- endfor %}
        case
            when failed_check is null and first_bad_timestamp_event is not null
                then cast(size(filter(step.timing_events, event -> {{ bad_timestamp }})) as bigint)
            else cast(0 as bigint)
        end as unparseable_timestamp_count
    from lines_diagnosed

)

select * from steps_numbered
{%- endmacro %}


{% macro spark_bad_timestamp(timestamp) -%}
    {#- True when a timing event's timestamp text is present but does not parse. Spark's cast
        alone also takes a bare year ('2026'), a year and month, or a date and an hour, which
        DuckDB's TIMESTAMPTZ cast refuses: a date (y-m-d) first, then the end or a time with
        minutes, is required as well. -#}
    ({{ timestamp }} is not null and not coalesce(
        {{ timestamp }} rlike '^ *[0-9]{4,}-[0-9]{1,2}-[0-9]{1,2}( *$|[T ][0-9]{1,2}:)'
        and try_cast({{ timestamp }} as timestamp) is not null,
        false
    ))
{%- endmacro %}


{% macro spark_json_type(value, raw_text) -%}
    {#- DuckDB's json_type() in lower case ('object', 'array', 'varchar', 'boolean', 'null',
        'ubigint', 'bigint', 'double') of a JSON value given as a VARIANT, with its JSON text as
        Spark's get_json_object gives it (the digits of an integer as written). A VARIANT keeps
        12.0 as the decimal 12, so integers are told by their text: DuckDB's UBIGINT is 0 to
        2^64 - 1, BIGINT a 64-bit integer written with a minus sign (-0 too), any other number
        DOUBLE. NULL when absent. -#}
    case
        when {{ value }} is null then null
        when is_variant_null({{ value }}) then 'null'
        when schema_of_variant({{ value }}) like 'OBJECT%' then 'object'
        when schema_of_variant({{ value }}) like 'ARRAY%' then 'array'
        when schema_of_variant({{ value }}) = 'STRING' then 'varchar'
        when schema_of_variant({{ value }}) = 'BOOLEAN' then 'boolean'
        when {{ raw_text }} rlike '^-?[0-9]+$' and length({{ raw_text }}) <= 38
            then case
                when {{ raw_text }} like '-%'
                    then case when cast({{ raw_text }} as decimal(38, 0)) >= -9223372036854775808 then 'bigint' else 'double' end
                when cast({{ raw_text }} as decimal(38, 0)) <= 18446744073709551615 then 'ubigint'
                else 'double'
            end
        else 'double'
    end
{%- endmacro %}


{% macro spark_json_text(value, raw_text) -%}
    {#- The JSON text DuckDB prints for a value (yyjson): a string quoted and escaped, an
        integer as written, another number as the shortest digits of its double laid out as
        JavaScript does ('1000.0', '0.0000125', '1.5e-7', '1e21'), anything else as minified
        JSON. `value` is a VARIANT, `raw_text` its get_json_object text. -#}
    case
        when schema_of_variant({{ value }}) = 'STRING' then to_json({{ value }})
        when schema_of_variant({{ value }}) in ('BIGINT', 'DOUBLE') or schema_of_variant({{ value }}) like 'DECIMAL%'
            then case
                when {{ raw_text }} rlike '^-?[0-9]+$' then {{ raw_text }}
                {#- Beyond the double range: Spark keeps no digits (DuckDB shows the text as written). #}
                else coalesce({{ spark_javascript_number('cast(' ~ raw_text ~ ' as double)') }}, replace({{ raw_text }}, '"', ''))
            end
        else {{ raw_text }}
    end
{%- endmacro %}


{% macro spark_javascript_number(value) -%}
    {#- A double as yyjson (DuckDB's JSON writer) prints it: the shortest round-trip digits, in
        plain notation from 1e-6 up to below 1e21 ('.0' added to an integer), else as
        d.ddde[-]x. -#}
    {{ spark_shortest_double_text(value, 'json') }}
{%- endmacro %}
