{#- One row per physical line of the raw logs (grain: source_path, line_number), where it went
    (R2, R3, R10.1): blank, bad (a rejection with its reason, R2.4), the half-written last line
    of a live log (truncated_last_line, R2.5: skipped and counted, never an error), or a record
    used by the step rules or ignored (bookkeeping or unknown, by label). input_row numbers
    every line of every file in file order, for the rejection test and the rejected_lines mart.

    Whether a file ends with a line feed is read from its size (R13.1): d = size - (bytes of its
    lines as read) - (lines) is 0 when it does (3 with a UTF-8 BOM), -1 when it does not (2 with
    a BOM); a file written with CRLF line ends gives d = lines (ends) or lines - 2 (does not).
    A file holding a line the reader could not hand over has no exact byte count: there a bad
    last line is taken as truncated (the only difference R13.1 allows). #}

with

log_lines as (

    select
        source_path,
        agent,
        line_number,
        line_octets,
        is_blank,
        reader_problem,
        parse_problem,
        record_label,
        record_category
    from {{ ref('stg_agent_logs__lines') }}

),

log_files as (

    select
        source_path,
        source_file,
        file_order,
        file_size
    from {{ ref('stg_agent_logs__files') }}

),

files_measured as (

    select
        log_files.source_path,
        log_files.source_file,
        log_files.file_order,
        log_files.file_size,
        count(log_lines.line_number) as line_count,
        coalesce(sum(log_lines.line_octets), 0) as line_bytes,
        coalesce(sum(case when log_lines.line_octets is null and log_lines.reader_problem is not null then 1 else 0 end), 0)
            as unread_lines
    from log_files
    left join log_lines
        on log_files.source_path = log_lines.source_path
    group by log_files.source_path, log_files.source_file, log_files.file_order, log_files.file_size

),

files_ended as (

    select
        source_path,
        source_file,
        file_order,
        line_count,
        coalesce(sum(line_count) over (order by file_order rows between unbounded preceding and 1 preceding), 0) as lines_before,
        case
            when unread_lines > 0 then null
            when file_size - line_bytes - line_count in (0, 3) then true
            when file_size - line_bytes - line_count in (-1, 2) then false
            when file_size - line_bytes - line_count in (line_count, line_count + 3) then true
            else false
        end as ends_with_line_feed
    from files_measured

),

lines_classified as (

    select
        log_lines.source_path,
        files_ended.source_file,
        log_lines.agent,
        files_ended.file_order,
        log_lines.line_number,
        files_ended.lines_before + log_lines.line_number as input_row,
        log_lines.record_label,
        case
            when log_lines.is_blank then 'blank'
            when
                log_lines.line_number = files_ended.line_count
                and (log_lines.parse_problem = 'not_json' or log_lines.reader_problem = 'not_utf8')
                and not coalesce(files_ended.ends_with_line_feed, false)
                then 'truncated_last_line'
            when log_lines.reader_problem is not null or log_lines.parse_problem is not null then 'bad'
            else log_lines.record_category
        end as line_status,
        coalesce(log_lines.reader_problem, log_lines.parse_problem) as line_problem
    from log_lines
    inner join files_ended
        on log_lines.source_path = files_ended.source_path

),

final as (

    select
        source_path,
        source_file,
        agent,
        file_order,
        line_number,
        input_row,
        line_status,
        case when line_status in ('used', 'bookkeeping', 'unknown') then record_label end as record_label,
        case when line_status = 'bad' then line_problem end as rejection_reason,
        cast(null as string) as rejection_field,
        case
            when line_status <> 'bad' then null
            when line_problem = 'not_utf8' then 'the line is not UTF-8 text'
            when line_problem = 'line_too_long' then 'the line is longer than {{ var("max_line_bytes") }} bytes'
            when line_problem = 'not_json' then 'the line is not valid JSON'
            else 'the line is JSON but not an object'
        end as rejection_problem
    from lines_classified

)

select * from final
