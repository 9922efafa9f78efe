{#- One row per log folder the run reads (grain: folder), from TRACE_ATLAS_CLAUDE_LOGS and
    TRACE_ATLAS_CODEX_LOGS (macro agent_log_roots): the agent, the root's number (R1.7) and the
    base its files' relative paths start from -- the folder itself for Claude, the Codex home
    (the folder holding sessions/ and archived_sessions/) for Codex. #}

{%- set roots = agent_log_roots() %}

with

roots_listed as (

    {%- for root in roots %}
    select
        '{{ root.agent }}' as agent,
        {{ root.number }} as root_number,
        '{{ root.folder | replace("'", "''") }}' as folder,
        '{{ root.base | replace("'", "''") }}' as relative_base
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    -- no folder given: no root
    select
        cast(null as string) as agent,
        cast(null as integer) as root_number,
        cast(null as string) as folder,
        cast(null as string) as relative_base
    where false
    {%- endfor %}

),

final as (

    select
        agent,
        cast(root_number as bigint) as root_number,
        folder,
        relative_base
    from roots_listed

)

select * from final
