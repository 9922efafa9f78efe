{#- The steps contract (grain: step_id): one row per agent step of the run's input, whatever it
    is -- a normalized trace, a prebuilt trace database or raw agent logs -- with the same
    columns and types (enforced). Everything downstream reads only this model. On DuckDB, for a
    trace, a view: the typed lines are already a table, and the few readers take the few columns
    they need instead of a copy of every step. #}

{{ config(materialized='view' if target.type == 'duckdb' and trace_input() == 'trace' else 'table') }}

with

{%- if trace_input() == 'trace' %}

input_steps as (

    select *
    from {{ ref('stg_trace__steps') }}

),
{%- elif trace_input() == 'trace_db' %}

input_steps as (

    select *
    from {{ ref('stg_trace_db__steps') }}

),
{#- --- agent_logs --- #}
{%- elif trace_input() == 'agent_logs' %}

{%- set columns = steps_contract_columns() %}

present_steps as (

    select *
    from {{ ref('int_agent_log_steps_kept') }}

),

deleted_steps as (

    {#- KEEP_HISTORY: the steps of log files deleted since they were read #}
    select *
    from {{ ref('int_agent_log_steps_deleted') }}

),

input_steps as (

    select {{ columns | join(', ') }}
    from present_steps
    union all
    select {{ columns | join(', ') }}
    from deleted_steps

),
{#- --- end agent_logs --- #}
{%- endif %}

final as (

    select
        {{ steps_contract_columns() | join(',\n        ') }}
    from input_steps

)

select * from final
