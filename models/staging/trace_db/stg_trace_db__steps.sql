{#- One row per step of a prebuilt trace database (grain: step_id), renamed to the steps
    contract. The rows are already typed: nothing is checked or set aside. step_id is the
    position in round_pk order; a key the file lacks reads as NULL. #}

{%- set round_columns = [] %}
{%- if execute %}
{%- for column in adapter.get_columns_in_relation(source('trace_db', 'rounds')) %}
{%- do round_columns.append(column.name | lower) %}
{%- endfor %}
{%- if 'round_pk' not in round_columns %}
{{ exceptions.raise_compiler_error("Trace database " ~ var('trace_database', env_var('TRACE_ATLAS_INPUT_DB', '')) ~ ": table rounds has no round_pk column; is this a TraceLab trace database?") }}
{%- endif %}
{%- endif %}
{%- set renamed = {'round_id': 'source_round_id', 'turn_id': 'source_turn_id', 'trace_key': 'source_trace_key', 'user': 'user_name'} %}

with

rounds as (

    select *
    from {{ source('trace_db', 'rounds') }}

),

first_events as (

    select
        round_pk,
        event_type as first_timing_event_type
    from {{ ref('stg_trace_db__timing_events') }}
    where event_index = 1

),

events_counted as (

    select
        round_pk,
        count(*) as timing_event_count
    from {{ ref('stg_trace_db__timing_events') }}
    group by round_pk

),

tool_calls_counted as (

    select
        round_pk,
        count(*) as tool_call_count
    from {{ source('trace_db', 'tool_calls') }}
    group by round_pk

),

final as (

    select
        row_number() over (order by rounds.round_pk) as step_id,
        '{{ var("trace_database", env_var("TRACE_ATLAS_INPUT_DB", "")) | replace("'", "''") }}' as source_file,
        row_number() over (order by rounds.round_pk) as source_line_number,
        {%- for field in trace_fields() if field.json != 'list' %}
        {%- set data_type = {'integer': 'bigint', 'boolean': 'boolean'}.get(field.json, 'varchar') %}
        {%- if field.name in round_columns %}
        cast(rounds.{{ adapter.quote(field.name) }} as {{ data_type }}) as {{ renamed.get(field.name, field.name) }},
        {%- else %}
        cast(null as {{ data_type }}) as {{ renamed.get(field.name, field.name) }},
        {%- endif %}
        {%- endfor %}
        first_events.first_timing_event_type,
        coalesce(events_counted.timing_event_count, 0) as timing_event_count,
        coalesce(tool_calls_counted.tool_call_count, 0) as tool_call_count
    from rounds
    left join first_events
        on rounds.round_pk = first_events.round_pk
    left join events_counted
        on rounds.round_pk = events_counted.round_pk
    left join tool_calls_counted
        on rounds.round_pk = tool_calls_counted.round_pk

)

select * from final
