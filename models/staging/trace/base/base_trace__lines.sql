{{ config(materialized='table', post_hook="{{ check_trace_lines(this) }}") }}

{%- if trace_input_is_database() %}
-- depends_on: {{ source('trace_db', 'rounds') }}
{%- else %}
-- depends_on: {{ source('trace', 'steps') }}
{%- endif %}

{#- The one scan of the trace: one row per physical line (grain: input_row).
    Each line is parsed once into the documented schema and checked; a bad line gets a
    rejection (reason, field, problem) instead of typed fields. Blank lines are kept and
    flagged, so every line read is accounted for. In strict mode (the default) the post-hook
    check_trace_lines stops the run at the first bad line, naming its file and line. An
    accepted line's step_id is its position in the input (input_row: file order, then line
    order), so no window (no sort) is needed here; a line's number within its file comes from
    base_trace__files. Only the first timing event, the list lengths and the timestamp check
    are taken from the nested lists. An integer field is valid when its JSON text is exactly
    the decimal text of a BIGINT >= 0, so "123", 12.5, 12.0, 1e3 and true are all rejected.
    The engine-specific body is macro validated_trace_lines.

    With a prebuilt trace database (make run DB=...), each row of its `rounds` table is a
    line, numbered by round_pk, already typed: nothing is rejected. #}

{%- if trace_input_is_database() %}
{{ trace_database_lines() }}
{%- else %}
{{ validated_trace_lines() }}
{%- endif %}
