{#- One row per Codex record the step rules use (grain: source_path, line_number), with the
    file's state at that line (R6.3: the last turn id, model and cwd set at or before it) and,
    for a token_count, whether it is accepted (R6.7): info not an object -> info_null; usage
    objects missing -> usage_missing; a total equal to the previous candidate's in the file ->
    unchanged_total; otherwise accepted. next_step_line is the line of the next accepted
    token_count after the record (its step, R7.1); null when none is left (dangling). #}

with

records as (

    select
        source_path,
        line_number,
        codex_kind,
        event_timestamp,
        event_instant_us,
        sets_turn_id,
        sets_model,
        sets_cwd,
        is_assistant_message,
        content_chars,
        call_id,
        tool_name,
        tool_input_chars,
        tool_input_json,
        result_chars,
        result_is_error,
        result_internal_ms,
        token_status,
        total_token_usage_canonical,
        last_input_tokens,
        last_cached_input_tokens,
        last_output_tokens,
        last_reasoning_output_tokens
    from {{ ref('stg_agent_logs__lines') }}
    where agent = 'codex' and codex_kind is not null

),

candidates_compared as (

    select
        source_path,
        line_number,
        coalesce(
            lag(total_token_usage_canonical) over (partition by source_path order by line_number) = total_token_usage_canonical,
            false
        ) as repeats_total
    from records
    where token_status = 'candidate'

),

records_stated as (

    select
        records.*,
        {{ last_non_null('records.sets_turn_id') }} over (
            partition by records.source_path order by records.line_number rows between unbounded preceding and current row
        ) as turn_id,
        {{ last_non_null('records.sets_model') }} over (
            partition by records.source_path order by records.line_number rows between unbounded preceding and current row
        ) as model,
        {{ last_non_null('records.sets_cwd') }} over (
            partition by records.source_path order by records.line_number rows between unbounded preceding and current row
        ) as cwd,
        case
            when records.token_status is null then null
            when records.token_status <> 'candidate' then records.token_status
            when candidates_compared.repeats_total then 'unchanged_total'
            else 'accepted'
        end as token_acceptance
    from records
    left join candidates_compared
        on records.source_path = candidates_compared.source_path and records.line_number = candidates_compared.line_number

),

final as (

    select
        *,
        min(case when token_acceptance = 'accepted' then line_number end) over (
            partition by source_path order by line_number rows between 1 following and unbounded following
        ) as next_step_line
    from records_stated

)

select * from final
