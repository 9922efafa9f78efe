{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_remembered_steps() }}",
) }}

{#- The steps of the raw logs as the database last read them (grain: source_path,
    source_line_number): every build replaces the steps of the log files on disk with this
    build's, and -- with history kept (KEEP_HISTORY=1, the default of make mine) -- the steps of
    log files the agent has deleted since stay, from the build that last read them. Only the
    contract's content-free values are kept: counts, tokens, timestamps' summaries, ids and
    names; never a prompt, a tool input or an output. #}

-- depends_on: {{ ref('stg_agent_logs__files') }}

with

kept_steps as (

    select
        source_path,
        {{ steps_contract_columns(exclude=['step_id']) | join(',\n        ') }}
    from {{ ref('int_agent_log_steps_kept') }}

),

final as (

    select *
    from kept_steps

)

select * from final
