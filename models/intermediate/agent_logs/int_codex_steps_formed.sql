{#- One row per Codex step formed (grain: source_path, source_line = the accepted token_count's
    line), R6.8: its turn key (the current turn id, else the file's stem) and k (accepted
    token_counts earlier in the file under that key) give round_id = <turn key>:<k>; in a
    sub-agent or fork file a step whose turn id sorts below the file's own session uuid replays
    the parent's history (is_replay: its session_id is the parent's, and it is set aside by
    R8.3); round_index counts the file's earlier steps of the same session_id. The numbers come
    from last_token_usage; OpenAI's input includes the cached part, so the append is input -
    cached, at least 0. #}

with

accepted as (

    select
        source_path,
        line_number as source_line,
        turn_id,
        model,
        cwd,
        last_input_tokens,
        last_cached_input_tokens,
        last_output_tokens,
        last_reasoning_output_tokens
    from {{ ref('int_codex_records_stated') }}
    where token_acceptance = 'accepted'

),

codex_files as (

    select
        source_path,
        source_file,
        file_order,
        file_stem,
        session_uuid,
        parent_id,
        replay_reason,
        is_subagent,
        file_set_aside_reason
    from {{ ref('int_codex_files_traced') }}

),

steps_keyed as (

    select
        accepted.*,
        codex_files.source_file,
        codex_files.file_order,
        codex_files.is_subagent,
        codex_files.file_set_aside_reason,
        coalesce(accepted.turn_id, codex_files.file_stem) as turn_key,
        codex_files.replay_reason is not null
        and accepted.turn_id is not null
        and codex_files.session_uuid is not null
        and lower(accepted.turn_id) < lower(codex_files.session_uuid) as is_replay,
        codex_files.replay_reason,
        codex_files.parent_id,
        coalesce(codex_files.session_uuid, codex_files.file_stem) as owner_id
    from accepted
    inner join codex_files
        on accepted.source_path = codex_files.source_path

),

steps_named as (

    select
        *,
        'codex:' || case when is_replay then parent_id else owner_id end as session_id,
        row_number() over (partition by source_path, turn_key order by source_line) - 1 as turn_step
    from steps_keyed

),

final as (

    select
        source_path,
        source_file,
        file_order,
        source_line,
        session_id,
        row_number() over (partition by source_path, session_id order by source_line) - 1 as round_index,
        turn_key || ':' || cast(turn_step as string) as round_id,
        turn_id,
        model,
        cwd,
        last_input_tokens as input_tokens_total,
        last_cached_input_tokens as prefix_tokens,
        greatest(last_input_tokens - last_cached_input_tokens, 0) as newly_append_tokens,
        last_output_tokens as output_tokens,
        last_reasoning_output_tokens as reasoning_output_tokens,
        is_subagent,
        file_set_aside_reason,
        case when is_replay then replay_reason end as replay_reason
    from steps_named

)

select * from final
