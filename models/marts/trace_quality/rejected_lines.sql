{#- One row per input line set aside (grain: source_file, line_number): its reason, the field
    and the problem found, and the first 200 characters of the line (none for a line that is not
    UTF-8). Empty unless ON_BAD_LINES=quarantine: in strict mode the first one stops the run. #}

{%- if trace_input() == 'trace' %}
with

trace_lines as (

    select
        source_file,
        line_number,
        rejection_reason,
        rejection_field,
        rejection_problem,
        line_excerpt
    from {{ ref('stg_trace__lines') }}
    where rejection_reason is not null

),

final as (

    select
        source_file,
        line_number,
        rejection_reason as reason,
        rejection_field as field,
        rejection_problem as problem,
        line_excerpt
    from trace_lines

)

select * from final
{#- --- agent_logs: bad raw log lines; no excerpt (a raw line may hold a prompt) --- #}
{%- elif trace_input() == 'agent_logs' %}
with

log_lines as (

    select
        source_file,
        line_number,
        rejection_reason,
        rejection_field,
        rejection_problem
    from {{ ref('int_agent_log_lines_classified') }}
    where rejection_reason is not null

),

final as (

    select
        source_file,
        line_number,
        rejection_reason as reason,
        rejection_field as field,
        rejection_problem as problem,
        cast(null as string) as line_excerpt
    from log_lines

)

select * from final
{#- --- end agent_logs --- #}
{%- else %}
-- this input has no lines to check (a prebuilt trace database is typed already)
select
    cast(null as string) as source_file,
    cast(null as bigint) as line_number,
    cast(null as string) as reason,
    cast(null as string) as field,
    cast(null as string) as problem,
    cast(null as string) as line_excerpt
where false
{%- endif %}
