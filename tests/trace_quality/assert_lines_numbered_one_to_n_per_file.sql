-- Every trace file's lines are numbered 1..n once each (n = its line count), whatever
-- sequence of incremental builds wrote them: no line lost, repeated or left from an earlier
-- version of the file. Returns the files that break it.
{{ config(enabled=trace_input() == 'trace') }}

with

trace_lines as (

    select
        source_file,
        line_number
    from {{ ref('stg_trace__lines') }}

),

files_numbered as (

    select
        source_file,
        count(*) as line_count,
        count(distinct line_number) as distinct_numbers,
        min(line_number) as first_number,
        max(line_number) as last_number
    from trace_lines
    group by source_file

),

final as (

    select *
    from files_numbered
    where distinct_numbers <> line_count or first_number <> 1 or last_number <> line_count

)

select * from final
