{#- One row per step formed from the raw logs, both agents (grain: source_path, source_line),
    with the reason it is set aside as a duplicate, if any (R8, the first that applies):
    Claude btw_replay (a sidechain copy of a message.id that exists outside a sidechain), then
    fork_copy (one API call -- message.id and requestId -- written into several files: the
    original is kept: the copy whose sessionId names its own file, then the earliest, then the
    first in step order); Codex archived_duplicate_file / duplicate_file (every step of a file
    whose name was read elsewhere), then codex_subagent_replay / codex_fork_replay (a parent's
    history replayed at the top of a sub-agent or fork file). step_order is R9's order (file
    order, then line); kept steps are numbered by it: step_id. #}

with

claude_steps as (

    select
        source_path,
        source_file,
        file_order,
        source_line,
        project,
        session_id,
        round_index,
        round_id,
        model,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        claude_uncached_input_tokens,
        claude_cache_creation_input_tokens,
        claude_cache_read_input_tokens,
        output_tokens,
        is_subagent,
        request_id,
        opening_is_sidechain,
        is_native,
        opening_instant_us
    from {{ ref('int_claude_steps_formed') }}

),

codex_steps as (

    select
        source_path,
        source_file,
        file_order,
        source_line,
        session_id,
        round_index,
        round_id,
        turn_id,
        model,
        cwd,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        output_tokens,
        reasoning_output_tokens,
        is_subagent,
        coalesce(file_set_aside_reason, replay_reason) as set_aside_reason
    from {{ ref('int_codex_steps_formed') }}

),

main_message_ids as (

    select distinct round_id
    from claude_steps
    where not opening_is_sidechain

),

claude_replays_marked as (

    select
        claude_steps.*,
        claude_steps.opening_is_sidechain and main_message_ids.round_id is not null as is_btw_replay
    from claude_steps
    left join main_message_ids
        on claude_steps.round_id = main_message_ids.round_id

),

claude_copies_ranked as (

    select
        *,
        row_number() over (
            partition by is_btw_replay, round_id, coalesce(request_id, '')
            order by
                case when is_native then 0 else 1 end,
                case when opening_instant_us is null then 1 else 0 end,
                opening_instant_us,
                file_order,
                source_line
        ) as copy_rank
    from claude_replays_marked

),

steps_unioned as (

    select
        'claude' as provider,
        source_path,
        source_file,
        file_order,
        source_line,
        project,
        session_id,
        round_index,
        round_id,
        cast(null as string) as turn_id,
        model,
        cast(null as string) as cwd,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        claude_uncached_input_tokens,
        claude_cache_creation_input_tokens,
        claude_cache_read_input_tokens,
        output_tokens,
        cast(null as bigint) as reasoning_output_tokens,
        is_subagent,
        case
            when is_btw_replay then 'btw_replay'
            when copy_rank > 1 then 'fork_copy'
        end as set_aside_reason
    from claude_copies_ranked
    union all
    select
        'codex' as provider,
        source_path,
        source_file,
        file_order,
        source_line,
        cast(null as string) as project,
        session_id,
        round_index,
        round_id,
        turn_id,
        model,
        cwd,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        cast(null as bigint) as claude_uncached_input_tokens,
        cast(null as bigint) as claude_cache_creation_input_tokens,
        cast(null as bigint) as claude_cache_read_input_tokens,
        output_tokens,
        reasoning_output_tokens,
        is_subagent,
        set_aside_reason
    from codex_steps

),

steps_ordered as (

    select
        *,
        cast(row_number() over (order by file_order, source_line) as bigint) as step_order
    from steps_unioned

),

final as (

    select
        *,
        case
            when set_aside_reason is null
                then cast(row_number() over (partition by set_aside_reason is null order by step_order) as bigint)
        end as step_id
    from steps_ordered

)

select * from final
