{#- One row per trace file (grain: source_file): where its lines start among all lines read
    (input_row runs across files in sorted file-name order), so that a line's number within its
    file is input_row - first_input_row + 1, and how many lines it holds. #}

with

trace_lines as (

    select
        source_file,
        input_row,
        is_blank
    from {{ ref('stg_trace__lines') }}

),

final as (

    select
        source_file,
        min(input_row) as first_input_row,
        count(*) as line_count,
        sum(case when is_blank then 1 else 0 end) as blank_line_count
    from trace_lines
    group by source_file

)

select * from final
