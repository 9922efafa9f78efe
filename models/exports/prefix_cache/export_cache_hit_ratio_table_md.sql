{{ config(meta={'output_file': 'cache_hit_ratio_table.md'}) }}

{#- The lines of cache_hit_ratio_table.md (SPEC 4.5): a GitHub-flavoured Markdown table of the
    token-weighted rates in percent with one decimal, `--` when undefined. #}

{%- set rate_columns = ['claude_rate', 'codex_rate', 'total_rate'] %}

with

rate_table as (

    select *
    from {{ ref('prefix_cache_hit_rate_table') }}

),

rows_formatted as (

    select
        trigger_order + 1 as line_number,
        '| ' || metric
        {%- for column in rate_columns %}
        || ' | ' || coalesce({{ format_percent(column ~ ' * cast(100 as double)', 1) }}, '--')
        {%- endfor %}
        || ' |' as line
    from rate_table

),

final as (

    select 0 as line_number, '| Metric | Claude | Codex | Total |' as line
    union all
    select 1 as line_number, '|---|---:|---:|---:|' as line
    union all
    select line_number, line from rows_formatted

)

select * from final
