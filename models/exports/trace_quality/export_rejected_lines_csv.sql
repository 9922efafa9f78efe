{{ config(meta={'output_file': 'rejected_lines.csv'}) }}

{#- The lines of rejected_lines.csv: header, then one line per line set aside, in file and
    line order. #}

{%- set columns = [
    ('file', 'source_file'),
    ('line', format_integer('line_number')),
    ('reason', 'reason'),
    ('field', 'field'),
    ('problem', 'problem'),
    ('line_excerpt', 'line_excerpt'),
] %}

with

rejected_lines as (

    select *
    from {{ ref('rejected_lines') }}

),

final as (

    {{ csv_file_lines('rejected_lines', columns, 'source_file, line_number') }}

)

select * from final
