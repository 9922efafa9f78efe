{#- One row per step of the steps contract (grain: step_id) with the split of its cache write
    by lifetime, when the input carries it: raw Claude Code logs write
    usage.cache_creation.ephemeral_5m_input_tokens and ephemeral_1h_input_tokens beside the flat
    cache_creation_input_tokens (their sum). A normalized trace, a trace database and the
    remembered steps of deleted log files carry only the total: both columns NULL there, and
    the bill counts the whole write as 5-minute. #}

with

steps as (

    select step_id
    from {{ ref('int_steps_unioned') }}

),

{%- if trace_input() == 'agent_logs' %}

kept_steps as (

    select
        step_id,
        source_path,
        source_line_number
    from {{ ref('int_agent_log_steps_kept') }}

),

claude_steps as (

    select
        source_path,
        source_line,
        claude_cache_creation_5m_input_tokens,
        claude_cache_creation_1h_input_tokens
    from {{ ref('int_claude_steps_formed') }}

),

writes_split as (

    select
        kept_steps.step_id,
        claude_steps.claude_cache_creation_5m_input_tokens,
        claude_steps.claude_cache_creation_1h_input_tokens
    from kept_steps
    inner join claude_steps
        on kept_steps.source_path = claude_steps.source_path
            and kept_steps.source_line_number = claude_steps.source_line

),
{%- else %}

writes_split as (

    select
        step_id,
        cast(null as bigint) as claude_cache_creation_5m_input_tokens,
        cast(null as bigint) as claude_cache_creation_1h_input_tokens
    from steps
    where step_id is null

),
{%- endif %}

final as (

    select
        steps.step_id,
        cast(writes_split.claude_cache_creation_5m_input_tokens as bigint) as claude_cache_creation_5m_input_tokens,
        cast(writes_split.claude_cache_creation_1h_input_tokens as bigint) as claude_cache_creation_1h_input_tokens
    from steps
    left join writes_split
        on steps.step_id = writes_split.step_id

)

select * from final
