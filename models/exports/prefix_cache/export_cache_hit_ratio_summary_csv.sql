{{ config(meta={'output_file': 'cache_hit_ratio_summary.csv'}) }}

{#- The lines of cache_hit_ratio_summary.csv (SPEC 4.1): line 0 the header, then one line per
    (scope, trigger) in output order. #}

{%- set columns = [('scope', 'scope'), ('trigger', 'trigger'), ('rounds', format_integer('rounds')), ('append_tokens', format_integer('append_tokens'))] %}
{%- set double_columns = ['mean_hit_ratio', 'p01', 'p05', 'p10', 'p25', 'median', 'p75', 'p90', 'p95', 'p99'] %}
{%- set percent_columns = [
    'round_hit_lt_0_5_pct', 'round_hit_0_5_to_0_9_pct', 'round_hit_gte_0_9_pct',
    'round_hit_gte_0_95_pct', 'round_hit_gte_0_98_pct', 'round_hit_gte_0_99_pct',
    'append_hit_lt_0_5_pct', 'append_hit_0_5_to_0_9_pct', 'append_hit_gte_0_9_pct',
] %}
{%- for name in double_columns %}{% do columns.append((name, format_double(name))) %}{% endfor %}
{%- for name in percent_columns %}{% do columns.append((name, format_percent(name))) %}{% endfor %}

with

summary as (

    select *
    from {{ ref('cache_hit_ratio_summary') }}

),

final as (

    {{ csv_file_lines('summary', columns, 'scope_order, scope, trigger_order') }}

)

select * from final
