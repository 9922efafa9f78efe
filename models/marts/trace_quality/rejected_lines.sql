{#- One row per trace line set aside (grain: source_file, line_number): its reason, the field
    and the problem found, and the first 200 characters of the line. Empty in strict mode, where
    the first bad line stops the run instead. #}

with

trace_lines as (

    select
        source_file,
        input_row,
        rejection_reason,
        rejection_field,
        rejection_problem,
        line_excerpt
    from {{ ref('base_trace__lines') }}
    where rejection_reason is not null

),

trace_files as (

    select
        source_file,
        first_input_row
    from {{ ref('base_trace__files') }}

),

final as (

    select
        trace_lines.source_file,
        trace_lines.input_row - trace_files.first_input_row + 1 as line_number,
        rejection_reason as reason,
        rejection_field as field,
        rejection_problem as problem,
        line_excerpt
    from trace_lines
    inner join trace_files
        on trace_lines.source_file = trace_files.source_file

)

select * from final
