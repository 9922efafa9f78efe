{% macro trace_input_is_database() -%}
    {#- True when the run reads a prebuilt trace database (var trace_database, set by
        make run DB=...) instead of JSONL files. -#}
    {{ return((var('trace_database') | string | trim) != '') }}
{%- endmacro %}


{% macro trace_database_engine_check() -%}
    {#- A prebuilt trace database is a DuckDB file, attached by the duckdb_from_db target: other
        engines (Spark) stop here with a clear message. -#}
    {%- if target.type != 'duckdb' -%}
        {{ exceptions.raise_compiler_error("A prebuilt trace database (var trace_database, make run DB=...) is read by the DuckDB engine only (target duckdb_from_db); the " ~ target.type ~ " target reads JSONL traces: make run ENGINE=duckdb DB=<file>, or make run ENGINE=" ~ target.type ~ " TRACE=<jsonl>.") }}
    {%- endif -%}
{%- endmacro %}


{% macro trace_database_lines() -%}
    {#- The body of base_trace__lines for a prebuilt trace database (SPEC 2): tables `rounds`
        (one row per step, scalar fields, round_pk in file order), `timing_events` (round_pk,
        1-based event_index) and `tool_calls` (round_pk), attached read-only as trace_db. Older
        files lack timing_events.event_index: it is then recovered from the table's insertion
        order (rowid). Fields missing from `rounds` read as NULL. -#}
    {{ trace_database_engine_check() }}
    {%- if execute and target.name != 'duckdb_from_db' -%}
        {{ exceptions.raise_compiler_error("A trace database is read through the duckdb_from_db target, which attaches it read-only: use make run DB=<file> or dbt build --target duckdb_from_db.") }}
    {%- endif -%}
    {%- set rounds = source('trace_db', 'rounds') -%}
    {%- set events = source('trace_db', 'timing_events') -%}
    {%- set tool_calls = source('trace_db', 'tool_calls') -%}
    {%- set round_columns = [] -%}
    {%- set event_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(rounds) -%}
            {%- do round_columns.append(column.name | lower) -%}
        {%- endfor -%}
        {%- for column in adapter.get_columns_in_relation(events) -%}
            {%- do event_columns.append(column.name | lower) -%}
        {%- endfor -%}
        {%- if 'round_pk' not in round_columns -%}
            {{ exceptions.raise_compiler_error("Trace database " ~ var('trace_database') ~ ": table rounds has no round_pk column; is this a Trace Atlas trace database?") }}
        {%- endif -%}
    {%- endif %}
with

rounds as (

    select *
    from {{ rounds }}

),

events_positioned as (

    select
        round_pk,
        event_type,
        {%- if 'event_index' in event_columns %}
        event_index
        {%- else %}
        row_number() over (partition by round_pk order by rowid) as event_index
        {%- endif %}
    from {{ events }}

),

events_summarised as (

    select
        round_pk,
        count(*) as timing_event_count,
        max(case when event_index = 1 then event_type end) as first_timing_event_type
    from events_positioned
    group by round_pk

),

tool_calls_counted as (

    select
        round_pk,
        count(*) as tool_call_count
    from {{ tool_calls }}
    group by round_pk

),

final as (

    select
        '{{ var("trace_database") | replace("'", "''") }}' as source_file,
        row_number() over (order by rounds.round_pk) as input_row,
        row_number() over (order by rounds.round_pk) as step_id,
        false as is_blank,
        cast(null as varchar) as rejection_reason,
        cast(null as varchar) as rejection_field,
        cast(null as varchar) as rejection_problem,
        cast(null as varchar) as line_excerpt,
        {%- for name, kind in trace_step_fields() %}
        {%- set data_type = 'bigint' if kind == 'integer' else 'varchar' %}
        {%- if name in round_columns %}
        cast(rounds."{{ name }}" as {{ data_type }}) as "{{ name }}",
        {%- else %}
        cast(null as {{ data_type }}) as "{{ name }}",
        {%- endif %}
        {%- endfor %}
        events_summarised.first_timing_event_type,
        coalesce(events_summarised.timing_event_count, 0) as timing_event_count,
        coalesce(tool_calls_counted.tool_call_count, 0) as tool_call_count,
        0 as unparseable_timestamp_count
    from rounds
    left join events_summarised
        on rounds.round_pk = events_summarised.round_pk
    left join tool_calls_counted
        on rounds.round_pk = tool_calls_counted.round_pk

)

select * from final
{%- endmacro %}


{% macro trace_database_list_rows(table_name, position_column, fields) -%}
    {#- The body of stg_trace__timing_events / stg_trace__tool_calls for a prebuilt trace
        database: the rows of trace_db.<table_name> joined to their step by round_pk, with the
        1-based position (recovered from insertion order when the column is missing) and the
        documented fields (NULL when the table lacks one). -#}
    {{ trace_database_engine_check() }}
    {%- set relation = source('trace_db', table_name) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do columns.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set types = {'text': 'varchar', 'integer': 'bigint', 'double': 'double', 'boolean': 'boolean'} %}
with

list_rows as (

    select
        *,
        {%- if position_column in columns %}
        {{ position_column }} as list_position
        {%- else %}
        row_number() over (partition by round_pk order by rowid) as list_position
        {%- endif %}
    from {{ relation }}

),

steps as (

    -- the same numbering as base_trace__lines in database mode
    select
        row_number() over (order by round_pk) as step_id,
        round_pk
    from {{ source('trace_db', 'rounds') }}

),

final as (

    select
        steps.step_id,
        list_rows.list_position as {{ position_column }},
        {%- for name, kind in fields %}
        {%- if name in columns %}
        cast(list_rows."{{ name }}" as {{ types[kind] }}) as "{{ name }}"{{ "," if not loop.last }}
        {%- else %}
        cast(null as {{ types[kind] }}) as "{{ name }}"{{ "," if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from list_rows
    inner join steps
        on list_rows.round_pk = steps.round_pk

)

select * from final
{%- endmacro %}
