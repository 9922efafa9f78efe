{{ config(meta={'output_file': 'cache_hit_ratio_step_audit.csv'}) }}

{#- The lines of cache_hit_ratio_step_audit.csv: header, then the audit rows in order. #}

{%- set columns = [
    ('section', 'section'),
    ('item', 'item'),
    ('count', format_integer('count')),
] %}

with

step_audit as (

    select *
    from {{ ref('step_audit') }}

),

final as (

    {{ csv_file_lines('step_audit', columns, 'section_order, item_order') }}

)

select * from final
