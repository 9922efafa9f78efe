{#- One row per trace file whose lines stg_trace__lines holds (grain: source_file): its rank in
    sorted file-name order (a line's step_id is made of its file's rank and its line number)
    and how many lines, blank lines among them, it holds. #}

with

trace_lines as (

    select
        source_file,
        line_number,
        is_blank
    from {{ ref('stg_trace__lines') }}

),

lines_counted as (

    select
        source_file,
        count(*) as line_count,
        sum(case when is_blank then 1 else 0 end) as blank_line_count
    from trace_lines
    group by source_file

),

final as (

    select
        source_file,
        row_number() over (order by source_file) as file_rank,
        line_count,
        blank_line_count
    from lines_counted

)

select * from final
