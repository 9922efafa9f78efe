{#- One row per timing event of a prebuilt trace database (grain: round_pk, event_index), with
    event_index recovered from the table's insertion order when an older file lacks it. #}

{%- set event_columns = [] %}
{%- if execute %}
{%- for column in adapter.get_columns_in_relation(source('trace_db', 'timing_events')) %}
{%- do event_columns.append(column.name | lower) %}
{%- endfor %}
{%- endif %}

with

final as (

    select
        round_pk,
        {%- if 'event_index' in event_columns or not execute %}
        event_index,
        {%- else %}
        row_number() over (partition by round_pk order by rowid) as event_index,
        {%- endif %}
        event_type
    -- read directly, not through a CTE: an older file's order is the table's rowid
    from {{ source('trace_db', 'timing_events') }}

)

select * from final
