{#- One row per step of the steps contract (grain: step_id) with the split of its cache write
    by lifetime, when the input carries it: raw Claude Code logs write
    usage.cache_creation.ephemeral_5m_input_tokens and ephemeral_1h_input_tokens beside the flat
    cache_creation_input_tokens (their sum); a normalized trace may carry the same two counts
    (optional keys, checked to add up to the total by stg_trace__lines). Where the split is not
    known -- a trace line without it, a trace database, the remembered steps of deleted log
    files -- both columns are NULL, and the bill counts the whole write as 5-minute. #}

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
{%- elif trace_input() == 'trace' %}

writes_split as (

    select
        step_id,
        claude_cache_creation_5m_input_tokens,
        claude_cache_creation_1h_input_tokens
    from {{ ref('stg_trace__steps') }}

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
