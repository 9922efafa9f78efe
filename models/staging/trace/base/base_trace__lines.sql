{{ config(materialized='table', post_hook="{{ check_trace_lines(this) }}") }}

{%- if trace_input_is_database() %}
-- depends_on: {{ source('trace_db', 'rounds') }}
{%- else %}
-- depends_on: {{ source('trace', 'steps') }}
{%- endif %}

{#- The one scan of the trace: one row per physical line (grain: source_file, line_number).
    Each line is parsed once and checked against SPEC 2's schema; a bad line gets a rejection
    (reason, field, problem) instead of typed fields. Blank lines are kept and flagged, so
    every line read is accounted for. In strict mode (the default) the post-hook
    check_trace_lines stops the run at the first bad line, naming its file and line. Accepted
    lines are numbered step_id in file order. Only the first timing event and the list
    lengths are kept from the nested lists.
    With a prebuilt trace database (make run DB=...), each row of its `rounds` table is a
    line, numbered by round_pk, already typed: nothing is rejected. #}

{%- set step_fields = trace_step_fields() %}
{%- set line_structure = step_fields + [('timing_events', 'json'), ('tools', 'json')] %}
{%- set strict = on_bad_lines() == 'strict' %}

{#- The checks, in order: the first that fails rejects the line. Each is
    (condition, reason, field expression, problem expression). #}
{%- set checks = [
    ("step_json is null and not json_valid(line_text)", "not_json", "null",
        "'the line is not valid JSON'"),
    ("step_json is null or left(ltrim(line_text, chr(32) || chr(9)), 1) <> '{'", "not_an_object", "null",
        "'the line is JSON but not an object (' || lower(json_type(line_text)) || ')'"),
] %}
{%- for name, kind in step_fields if kind == 'integer' %}
    {%- do checks.append((
        "json_type(step_json.\"" ~ name ~ "\") not in ('UBIGINT', 'BIGINT', 'NULL')", "not_an_integer", "'" ~ name ~ "'",
        "'expected a non-negative integer, got ' || lower(json_type(step_json.\"" ~ name ~ "\")) || ' ' || left(step_json.\"" ~ name ~ "\", 40)",
    )) %}
    {%- do checks.append((
        "json_type(step_json.\"" ~ name ~ "\") = 'BIGINT'", "negative_integer", "'" ~ name ~ "'",
        "'expected a non-negative integer, got ' || step_json.\"" ~ name ~ "\"",
    )) %}
    {%- do checks.append((
        "json_type(step_json.\"" ~ name ~ "\") = 'UBIGINT' and try_cast(step_json.\"" ~ name ~ "\" as bigint) is null", "integer_out_of_range", "'" ~ name ~ "'",
        "'integer ' || step_json.\"" ~ name ~ "\" || ' exceeds the 64-bit range'",
    )) %}
{%- endfor %}
{%- for name in ['timing_events', 'tools'] %}
    {%- do checks.append((
        "json_type(step_json.\"" ~ name ~ "\") not in ('ARRAY', 'NULL')", "not_a_list", "'" ~ name ~ "'",
        "'expected a list, got ' || lower(json_type(step_json.\"" ~ name ~ "\"))",
    )) %}
{%- endfor %}
{%- do checks.append((
    "first_non_object_event is not null", "event_not_an_object",
    "'timing_events[' || (first_non_object_event - 1) || ']'",
    "'expected an object, got ' || lower(coalesce(json_type(timing_events[first_non_object_event]), 'null'))",
)) %}
{%- if strict %}
    {%- do checks.append((
        "first_bad_timestamp_event is not null", "bad_timestamp",
        "'timing_events[' || (first_bad_timestamp_event - 1) || '].timestamp'",
        "'timestamp does not parse: ' || left(timing_events[first_bad_timestamp_event] ->> 'timestamp', 60)",
    )) %}
{%- endif %}


{%- if trace_input_is_database() %}
{{ trace_database_lines() }}
{%- else %}

with

trace_lines as (

    select
        source_file,
        line_number,
        line_text
    from {{ read_trace_lines() }}

),

lines_parsed as (

    select
        source_file,
        line_number,
        line_text,
        coalesce(trim(line_text, chr(32) || chr(9) || chr(13)) = '', true) as is_blank,
        try(from_json(line_text, {{ json_struct_type(line_structure) }})) as step_json
    from trace_lines

),

events_parsed as (

    select
        *,
        case
            when json_type(step_json.timing_events) = 'ARRAY'
                then from_json(step_json.timing_events, '["JSON"]')
        end as timing_events
    from lines_parsed

),

events_checked as (

    select
        *,
        list_position(
            list_transform(timing_events, lambda event: coalesce(json_type(event), 'NULL') <> 'OBJECT'),
            true
        ) as first_non_object_event,
        list_position(
            list_transform(
                timing_events,
                lambda event: (event ->> 'timestamp') is not null
                and try_cast(event ->> 'timestamp' as timestamptz) is null
            ),
            true
        ) as first_bad_timestamp_event
    from events_parsed

),

lines_checked as (

    select
        *,
        {%- for column in ['reason', 'field', 'problem'] %}
        case
            when is_blank then null
            {%- for condition, reason, field, problem in checks %}
            when {{ condition }} then {{ {'reason': "'" ~ reason ~ "'", 'field': field, 'problem': problem}[column] }}
            {%- endfor %}
        end as rejection_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from events_checked

),

final as (

    select
        source_file,
        line_number,
        case
            when not is_blank and rejection_reason is null
                then row_number() over (
                    partition by (not is_blank and rejection_reason is null)
                    order by source_file, line_number
                )
        end as step_id,
        is_blank,
        rejection_reason,
        rejection_field,
        rejection_problem,
        case when rejection_reason is not null then left(line_text, 200) end as line_excerpt,
        {%- for name, kind in step_fields %}
        {%- if kind == 'integer' %}
        case when rejection_reason is null then try_cast(step_json."{{ name }}" as bigint) end as "{{ name }}",
        {%- else %}
        case when rejection_reason is null then step_json."{{ name }}" end as "{{ name }}",
        {%- endif %}
        {%- endfor %}
        case when rejection_reason is null then timing_events[1] ->> 'event_type' end as first_timing_event_type,
        case when rejection_reason is null then coalesce(len(timing_events), 0) end as timing_event_count,
        case
            when rejection_reason is null then coalesce(json_array_length(step_json.tools), 0)
        end as tool_call_count,
        case
            when rejection_reason is null and first_bad_timestamp_event is not null
                then len(list_filter(
                    timing_events,
                    lambda event: (event ->> 'timestamp') is not null
                    and try_cast(event ->> 'timestamp' as timestamptz) is null
                ))
            else 0
        end as unparseable_timestamp_count
    from lines_checked

)

select * from final
{%- endif %}
