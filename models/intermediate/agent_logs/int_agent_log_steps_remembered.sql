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
        source_file,
        source_line_number,
        provider,
        project,
        session_id,
        session_file,
        round_index,
        source_round_id,
        source_turn_id,
        source_trace_key,
        model,
        store,
        home,
        user_name,
        input_tokens_total,
        prefix_tokens,
        newly_append_tokens,
        output_tokens,
        reasoning_output_tokens,
        claude_uncached_input_tokens,
        claude_cache_creation_input_tokens,
        claude_cache_read_input_tokens,
        current_input_event_count,
        current_user_message_count,
        current_tool_result_count,
        current_user_message_chars,
        current_tool_result_chars,
        current_input_chars,
        first_input_event_type,
        first_timing_event_type,
        timing_event_count,
        tool_call_count,
        is_subagent
    from {{ ref('int_agent_log_steps_kept') }}

),

final as (

    select *
    from kept_steps

)

select * from final
