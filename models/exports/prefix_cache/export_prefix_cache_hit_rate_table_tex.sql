{{ config(meta={'output_file': 'prefix_cache_hit_rate_table.tex'}) }}

{#- The lines of prefix_cache_hit_rate_table.tex (SPEC 4.5): a LaTeX table with booktabs rules,
    the token-weighted rates in percent with one decimal (`\%`), `--` when undefined. #}

{%- set rate_columns = ['claude_rate', 'codex_rate', 'total_rate'] %}
{%- set preamble = [
    '\\begin{table}[t]',
    '\\centering',
    '\\caption{Token-weighted prefix cache-hit rate by provider and step trigger.}',
    '\\label{tab:prefix-cache-hit-rate}',
    '\\begin{tabular}{lrrr}',
    '\\toprule',
    'Metric & Claude & Codex & Total \\\\',
    '\\midrule',
] %}
{%- set closing = ['\\bottomrule', '\\end{tabular}', '\\end{table}'] %}

with

rate_table as (

    select *
    from {{ ref('prefix_cache_hit_rate_table') }}

),

rows_formatted as (

    select
        {{ preamble | length }} + trigger_order as line_number,
        metric
        {%- for column in rate_columns %}
        || ' & ' || coalesce(replace({{ format_percent(column ~ ' * cast(100 as double)', 1) }}, '%', '\%'), '--')
        {%- endfor %}
        || ' \\' as line
    from rate_table

),

fixed_lines as (

    {%- for text in preamble %}
    select {{ loop.index0 }} as line_number, '{{ text }}' as line
    union all
    {%- endfor %}
    {%- for text in closing %}
    select {{ 100 + loop.index0 }} as line_number, '{{ text }}' as line
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select line_number, line from fixed_lines
    union all
    select line_number, line from rows_formatted

)

select * from final
