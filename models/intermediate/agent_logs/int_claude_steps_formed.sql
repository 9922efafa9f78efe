{#- One row per Claude step formed (grain: source_path, source_line), before duplicates are set
    aside (R5.4, R5.5, R5.8). A step is a message.id within a chain: its first record opens it
    (source_line, round_index in the chain, request id, sidechain flag, whether the record's
    sessionId names its own file, timestamp), its model is the first string model among its
    records, and its usage is the best snapshot among its usage-bearing records -- the highest
    (output, input + cache creation + cache read, has stop_reason), the later record on a tie;
    all counters 0 when none bears usage (the 5-minute / 1-hour split of the cache creation is
    that snapshot's, NULL when it has none). Skipped records (synthetic, no id) form no step. #}

with

assistant_records as (

    select
        source_path,
        source_file,
        file_order,
        line_number,
        project,
        chain_name,
        session_id,
        chain_is_subagent,
        message_id,
        message_model,
        request_id,
        is_sidechain,
        names_its_file,
        event_instant_us,
        has_stop_reason,
        usage_bearing,
        usage_input_tokens,
        usage_cache_creation_tokens,
        usage_cache_read_tokens,
        usage_output_tokens,
        usage_cache_write_5m_tokens,
        usage_cache_write_1h_tokens
    from {{ ref('int_claude_records_chained') }}
    where claude_kind = 'assistant' and assistant_skip is null

),

steps_grouped as (

    select
        source_path,
        chain_name,
        message_id,
        min(line_number) as source_line,
        min_by(message_model, line_number) filter (where message_model is not null) as model
    from assistant_records
    group by source_path, chain_name, message_id

),

steps_opened as (

    select
        assistant_records.source_path,
        assistant_records.source_file,
        assistant_records.file_order,
        steps_grouped.source_line,
        assistant_records.project,
        assistant_records.chain_name,
        assistant_records.session_id,
        assistant_records.chain_is_subagent,
        steps_grouped.message_id,
        steps_grouped.model,
        assistant_records.request_id,
        assistant_records.is_sidechain,
        assistant_records.names_its_file,
        assistant_records.event_instant_us
    from assistant_records
    inner join steps_grouped
        on assistant_records.source_path = steps_grouped.source_path
            and assistant_records.line_number = steps_grouped.source_line

),

usage_ranked as (

    select
        source_path,
        chain_name,
        message_id,
        usage_input_tokens,
        usage_cache_creation_tokens,
        usage_cache_read_tokens,
        usage_output_tokens,
        usage_cache_write_5m_tokens,
        usage_cache_write_1h_tokens,
        row_number() over (
            partition by source_path, chain_name, message_id
            order by
                usage_output_tokens desc,
                usage_input_tokens + usage_cache_creation_tokens + usage_cache_read_tokens desc,
                has_stop_reason desc,
                line_number desc
        ) as usage_rank
    from assistant_records
    where usage_bearing

),

final as (

    select
        steps_opened.source_path,
        steps_opened.source_file,
        steps_opened.file_order,
        steps_opened.source_line,
        steps_opened.project,
        steps_opened.chain_name,
        steps_opened.session_id,
        row_number() over (partition by steps_opened.source_path, steps_opened.chain_name order by steps_opened.source_line) - 1
            as round_index,
        steps_opened.message_id as round_id,
        steps_opened.model,
        coalesce(usage_ranked.usage_input_tokens, 0)
        + coalesce(usage_ranked.usage_cache_creation_tokens, 0)
        + coalesce(usage_ranked.usage_cache_read_tokens, 0) as input_tokens_total,
        coalesce(usage_ranked.usage_cache_read_tokens, 0) as prefix_tokens,
        coalesce(usage_ranked.usage_input_tokens, 0) + coalesce(usage_ranked.usage_cache_creation_tokens, 0) as newly_append_tokens,
        coalesce(usage_ranked.usage_input_tokens, 0) as claude_uncached_input_tokens,
        coalesce(usage_ranked.usage_cache_creation_tokens, 0) as claude_cache_creation_input_tokens,
        coalesce(usage_ranked.usage_cache_read_tokens, 0) as claude_cache_read_input_tokens,
        coalesce(usage_ranked.usage_output_tokens, 0) as output_tokens,
        usage_ranked.usage_cache_write_5m_tokens as claude_cache_creation_5m_input_tokens,
        usage_ranked.usage_cache_write_1h_tokens as claude_cache_creation_1h_input_tokens,
        steps_opened.chain_is_subagent as is_subagent,
        steps_opened.request_id,
        steps_opened.is_sidechain as opening_is_sidechain,
        steps_opened.names_its_file as is_native,
        steps_opened.event_instant_us as opening_instant_us
    from steps_opened
    left join usage_ranked
        on steps_opened.source_path = usage_ranked.source_path
            and steps_opened.chain_name = usage_ranked.chain_name
            and steps_opened.message_id = usage_ranked.message_id
            and usage_ranked.usage_rank = 1

)

select * from final
