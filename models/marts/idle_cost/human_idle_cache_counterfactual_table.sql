{#- The thinking-time table as the reference atlas lays it out (grain: row_key): one line per
    metric (seed idle_counterfactual_table_rows), one cell per scope (Claude, Codex, Total), each
    cell already text: the Markdown text and the LaTeX text (macros token_cell, money_cell,
    small_money_cell, share_cell). The writer only lays the lines out. #}

with

summary as (

    select *
    from {{ ref('human_idle_cache_counterfactual_summary') }}

),

table_rows as (

    select
        row_order,
        row_key,
        metric
    from {{ ref('idle_counterfactual_table_rows') }}

),

cells_formatted as (

    select
        summary.scope,
        table_rows.row_order,
        table_rows.row_key,
        table_rows.metric,
        case table_rows.row_key
            when 'user_steps_with_predecessor' then {{ fixed_text('summary.user_rounds_with_predecessor', 0, true) }}
            when 'observed_append' then {{ token_cell('summary.observed_append_tokens', false) }}
            when 'counterfactual_append' then {{ token_cell('summary.counterfactual_append_tokens', false) }}
            when 'append_reduction'
                then concat(
                        {{ token_cell('summary.append_reduction_tokens', false) }}, ' (',
                        {{ share_cell('summary.append_reduction_pct_of_all_append', false) }}, ')'
                    )
            when 'observed_cost' then {{ money_cell('summary.observed_total_cost_usd', false) }}
            when 'counterfactual_cost' then {{ money_cell('summary.counterfactual_total_cost_usd', false) }}
            when 'cost_reduction'
                then concat(
                        {{ money_cell('summary.total_cost_reduction_usd', false) }}, ' (',
                        {{ share_cell('summary.total_cost_reduction_pct', false) }}, ')'
                    )
            when 'cost_saved_per_reduced_step' then {{ small_money_cell('summary.cost_saved_per_reduced_step_avg_usd', false) }}
        end as markdown_cell,
        case table_rows.row_key
            when 'user_steps_with_predecessor' then {{ fixed_text('summary.user_rounds_with_predecessor', 0, true) }}
            when 'observed_append' then {{ token_cell('summary.observed_append_tokens', true) }}
            when 'counterfactual_append' then {{ token_cell('summary.counterfactual_append_tokens', true) }}
            when 'append_reduction'
                then concat(
                        {{ token_cell('summary.append_reduction_tokens', true) }}, ' (',
                        {{ share_cell('summary.append_reduction_pct_of_all_append', true) }}, ')'
                    )
            when 'observed_cost' then {{ money_cell('summary.observed_total_cost_usd', true) }}
            when 'counterfactual_cost' then {{ money_cell('summary.counterfactual_total_cost_usd', true) }}
            when 'cost_reduction'
                then concat(
                        {{ money_cell('summary.total_cost_reduction_usd', true) }}, ' (',
                        {{ share_cell('summary.total_cost_reduction_pct', true) }}, ')'
                    )
            when 'cost_saved_per_reduced_step' then {{ small_money_cell('summary.cost_saved_per_reduced_step_avg_usd', true) }}
        end as tex_cell
    from summary
    cross join table_rows

),

final as (

    select
        row_order,
        row_key,
        metric,
        max(case when scope = 'claude' then markdown_cell end) as claude_markdown,
        max(case when scope = 'codex' then markdown_cell end) as codex_markdown,
        max(case when scope = 'merged' then markdown_cell end) as total_markdown,
        max(case when scope = 'claude' then tex_cell end) as claude_tex,
        max(case when scope = 'codex' then tex_cell end) as codex_tex,
        max(case when scope = 'merged' then tex_cell end) as total_tex
    from cells_formatted
    group by row_order, row_key, metric

)

select * from final
