{{ config(meta={'output_file': 'rejected_lines.csv'}) }}

{#- The lines of rejected_lines.csv: line 0 the header, then one line per row of rejected_lines. #}

{%- set cells = ['source_file', format_integer('line_number'), 'reason', 'field', 'problem', 'line_excerpt'] %}

with

rejected_lines as (

    select *
    from {{ ref('rejected_lines') }}

),

rows_formatted as (

    select
        row_number() over (order by source_file, line_number) as line_number,
        {{ csv_line(cells) }} as line
    from rejected_lines

),

final as (

    select
        0 as line_number,
        {{ csv_header(['file','line','reason','field','problem','line_excerpt']) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
