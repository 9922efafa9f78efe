{{ config(meta={'output_file': 'cache_hit_ratio_summary.csv'}) }}

{#- The lines of cache_hit_ratio_summary.csv (SPEC 4.1): line 0 the header, then one line per
    (scope, trigger) in output order. #}

{%- set double_columns = ['mean_hit_ratio', 'p01', 'p05', 'p10', 'p25', 'median', 'p75', 'p90', 'p95', 'p99'] %}
{%- set percent_columns = [
    'round_hit_lt_0_5_pct', 'round_hit_0_5_to_0_9_pct', 'round_hit_gte_0_9_pct',
    'round_hit_gte_0_95_pct', 'round_hit_gte_0_98_pct', 'round_hit_gte_0_99_pct',
    'append_hit_lt_0_5_pct', 'append_hit_0_5_to_0_9_pct', 'append_hit_gte_0_9_pct',
] %}
{%- set cells = ['scope', 'trigger', format_integer('rounds'), format_integer('append_tokens')] %}
{%- for column in double_columns %}{% do cells.append(format_double(column)) %}{% endfor %}
{%- for column in percent_columns %}{% do cells.append(format_percent(column)) %}{% endfor %}

with

summary as (

    select *
    from {{ ref('cache_hit_ratio_summary') }}

),

rows_formatted as (

    select
        row_number() over (order by scope_order, scope, trigger_order) as line_number,
        {{ csv_line(cells) }} as line
    from summary

),

final as (

    select
        0 as line_number,
        {{ csv_header(['scope', 'trigger', 'rounds', 'append_tokens'] + double_columns + percent_columns) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
