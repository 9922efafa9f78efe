{#- One row per input file the run read (grain: source_file), whatever the input: the trace
    files with their line counts, or the prebuilt trace database. The output writer lists them
    (with size and sha256) in run_manifest.json. #}

with

{%- if trace_input() == 'trace' %}

input_files as (

    select
        source_file,
        line_count
    from {{ ref('stg_trace__files') }}

),
{#- --- agent_logs: every raw log file, by its path, with its lines --- #}
{%- elif trace_input() == 'agent_logs' %}

input_files as (

    select
        log_files.source_path as source_file,
        count(log_lines.line_number) as line_count
    from {{ ref('stg_agent_logs__files') }} as log_files
    left join {{ ref('int_agent_log_lines_classified') }} as log_lines
        on log_files.source_path = log_lines.source_path
    group by log_files.source_path

),
{#- --- end agent_logs --- #}
{%- else %}

input_files as (

    select
        source_file,
        count(*) as line_count
    from {{ ref('int_steps_unioned') }}
    group by source_file

),
{%- endif %}

final as (

    select
        source_file,
        line_count
    from input_files

)

select * from final
