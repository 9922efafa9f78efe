{{ config(meta={'output_file': 'cache_hit_ratio_step_audit.csv'}) }}

{#- The lines of cache_hit_ratio_step_audit.csv: line 0 the header, then one line per row of step_audit. #}

{%- set cells = ['section', 'item', format_integer('count')] %}

with

step_audit as (

    select *
    from {{ ref('step_audit') }}

),

rows_formatted as (

    select
        row_number() over (order by section_order, item_order) as line_number,
        {{ csv_line(cells) }} as line
    from step_audit

),

final as (

    select
        0 as line_number,
        {{ csv_header(['section','item','count']) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
