{#- The remembered steps of log files deleted since they were read (grain: step_id), with
    history kept (KEEP_HISTORY=1): numbered after the steps of the files on disk, in file and
    line order. int_steps_unioned adds them to the contract, and the experiments find their
    remembered timing events and tools by source_path and source_line_number. #}

{{ config(materialized='view') }}

with

present_steps as (

    select step_id
    from {{ ref('int_agent_log_steps_kept') }}

),

remembered_steps as (

    select *
    from {{ ref('int_agent_log_steps_remembered') }}

),

log_files as (

    select source_path
    from {{ ref('stg_agent_logs__files') }}

),

final as (

    select
        remembered_steps.*,
        (select coalesce(max(present_steps.step_id), 0) from present_steps)
        + row_number() over (order by remembered_steps.source_file, remembered_steps.source_line_number) as step_id
    from remembered_steps
    where remembered_steps.source_path not in (select log_files.source_path from log_files)

)

select * from final
