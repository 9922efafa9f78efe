{#- One row per timing event of a prebuilt trace database (grain: round_pk, event_index), with
    event_index recovered from the table's insertion order when an older file lacks it; the
    event's call id and its timestamp as microseconds since 1970 (a TIMESTAMP column as it is,
    a text column read as ISO 8601), NULL when the file lacks the column. #}

{%- set event_columns = {} %}
{%- if execute %}
{%- for column in adapter.get_columns_in_relation(source('trace_db', 'timing_events')) %}
{%- do event_columns.update({column.name | lower: column.dtype | lower}) %}
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
        event_type,
        {%- if 'tool_call_id' in event_columns %}
        cast(tool_call_id as varchar) as tool_call_id,
        {%- else %}
        cast(null as varchar) as tool_call_id,
        {%- endif %}
        {{ trace_db_instant_us('timestamp', event_columns) }} as event_at_us
    -- read directly, not through a CTE: an older file's order is the table's rowid
    from {{ source('trace_db', 'timing_events') }}

)

select * from final
