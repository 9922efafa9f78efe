{#- One row per tool call of a prebuilt trace database (grain: round_pk, tool_position): its call
    id and when it was emitted and its result arrived, as microseconds since 1970 (NULL when the
    file lacks the column), in tool_index order (then the table's insertion order). #}

{%- set tool_columns = {} %}
{%- if execute %}
{%- for column in adapter.get_columns_in_relation(source('trace_db', 'tool_calls')) %}
{%- do tool_columns.update({column.name | lower: column.dtype | lower}) %}
{%- endfor %}
{%- endif %}

with

final as (

    select
        round_pk,
        row_number() over (
            partition by round_pk
            order by {{ 'tool_index, ' if 'tool_index' in tool_columns else '' }}rowid
        ) as tool_position,
        {%- if 'tool_call_id' in tool_columns %}
        cast(tool_call_id as varchar) as tool_call_id,
        {%- else %}
        cast(null as varchar) as tool_call_id,
        {%- endif %}
        {{ trace_db_instant_us('emitted_at', tool_columns) }} as emitted_at_us,
        {{ trace_db_instant_us('result_at', tool_columns) }} as result_at_us
    -- read directly, not through a CTE: the order of equal tool_index values is the rowid
    from {{ source('trace_db', 'tool_calls') }}

)

select * from final
