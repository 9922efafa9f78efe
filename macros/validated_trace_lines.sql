{% macro validated_trace_lines() -%}
    {{ return(adapter.dispatch('validated_trace_lines', 'trace_atlas')()) }}
{%- endmacro %}

{% macro duckdb__validated_trace_lines() -%}
    {#- The body of base_trace__lines for JSONL input on DuckDB: read every line, parse it once
        into the documented schema, check it; see the model's description. The checks are
        cheap tests of the parsed values; the diagnosis of a bad line sits behind a CASE so that
        it runs only for the rows a cheap test flagged (an AND does not spare its second
        operand). -#}

{%- set step_fields = trace_step_fields() %}
{%- set integer_fields = [] %}
{%- for name, kind in step_fields if kind == 'integer' %}{% do integer_fields.append(name) %}{% endfor %}
{%- set line_structure = step_fields + [
    ('timing_events', 'raw:[{"event_type":"VARCHAR","timestamp":"VARCHAR"}]'),
    ('tools', 'raw:[{"tool_index":"JSON"}]'),
] %}
{%- set strict = on_bad_lines() == 'strict' %}

{#- The checks, in order; the first that holds rejects the line. Each is
    (condition, reason, field, problem): cheap conditions, and reason/field/problem
    expressions evaluated only for the rejected rows. #}
{%- set checks = [
    ("case when step_json is null then not json_valid(line_text) else false end",
        "'not_json'", "null", "'the line is not valid JSON'"),
    ("case when step_json is null then true when starts_with(line_text, '{') then false"
        ~ " else left(ltrim(line_text, chr(32) || chr(9)), 1) <> '{' end",
        "'not_an_object'", "null",
        "'the line is JSON but not an object (' || lower(coalesce(json_type(line_text), 'null')) || ')'"),
] %}
{%- for name in integer_fields %}
{%- do checks.append(integer_check(name, 'step_json."' ~ name ~ '"', name ~ '__value')) %}
{%- endfor %}
{%- for name in ['timing_events', 'tools'] %}
    {%- do checks.append((
        "case when step_json." ~ name ~ " is null then coalesce(json_type(line_text, '$." ~ name
            ~ "') not in ('ARRAY', 'NULL'), false) else false end",
        "'not_a_list'", "'" ~ name ~ "'",
        "'expected a list, got ' || lower(json_type(line_text, '$." ~ name ~ "'))",
    )) %}
{%- endfor %}
{%- do checks.append((
    "first_non_object_event is not null",
    "'event_not_an_object'",
    "'timing_events[' || (first_non_object_event - 1) || ']'",
    "'expected an object, got ' || lower(json_type(line_text, '$.timing_events[' || (first_non_object_event - 1) || ']'))",
)) %}
{%- if strict %}
    {%- do checks.append((
        "first_bad_timestamp_event is not null",
        "'bad_timestamp'",
        "'timing_events[' || (first_bad_timestamp_event - 1) || '].timestamp'",
        "'timestamp does not parse: ' || left(timing_events[first_bad_timestamp_event].\"timestamp\", 60)",
    )) %}
{%- endif %}

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
        input_row,
        line_text,
        case
            when line_text is null then true
            when starts_with(line_text, '{') then false
            else trim(line_text, chr(32) || chr(9) || chr(13)) = ''
        end as is_blank,
        try(from_json(line_text, {{ json_struct_type(line_structure) }})) as step_json
    from trace_lines

),

values_extracted as (

    select
        *,
        {%- for name in integer_fields %}
        try_cast(cast(step_json."{{ name }}" as varchar) as bigint) as {{ name }}__value,
        {%- endfor %}
        step_json.timing_events as timing_events,
        list_bool_or(list_transform(
            step_json.timing_events,
            lambda event: event is null or (event.event_type is null and event."timestamp" is null)
        )) as has_blank_event,
        list_position(
            list_transform(
                step_json.timing_events,
                lambda event: event."timestamp" is not null and try_cast(event."timestamp" as timestamptz) is null
            ),
            true
        ) as first_bad_timestamp_event
    from lines_parsed

),

events_inspected as (

    select
        *,
        case
            when has_blank_event
                then list_position(
                        list_transform(json_type(line_text, '$.timing_events[*]'), lambda type: type <> 'OBJECT'),
                        true
                    )
        end as first_non_object_event
    from values_extracted

),

lines_checked as (

    select
        *,
        case
            when is_blank then null
            {%- for check in checks %}
            when {{ check[0] }} then {{ loop.index }}
            {%- endfor %}
        end as failed_check
    from events_inspected

),

lines_diagnosed as (

    select
        *,
        {%- for column in ['reason', 'field', 'problem'] %}
        case failed_check
            {%- for check in checks %}
            when {{ loop.index }} then {{ check[{"reason": 1, "field": 2, "problem": 3}[column]] }}
            {%- endfor %}
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
        {%- if kind == 'integer' %}
        case when failed_check is null then {{ name }}__value end as "{{ name }}",
        {%- else %}
        case when failed_check is null then step_json."{{ name }}" end as "{{ name }}",
        {%- endif %}
        {%- endfor %}
        case when failed_check is null then timing_events[1].event_type end as first_timing_event_type,
        case when failed_check is null then coalesce(len(timing_events), 0) end as timing_event_count,
        case when failed_check is null then coalesce(len(step_json.tools), 0) end as tool_call_count,
        case
            when failed_check is null and first_bad_timestamp_event is not null
                then len(list_filter(
                        timing_events,
                        lambda event: event."timestamp" is not null and try_cast(event."timestamp" as timestamptz) is null
                    ))
            else 0
        end as unparseable_timestamp_count
    from lines_diagnosed

)

select * from steps_numbered
{%- endmacro %}
