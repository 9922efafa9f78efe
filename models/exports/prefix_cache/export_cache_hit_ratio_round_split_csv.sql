{{ config(meta={'output_file': 'cache_hit_ratio_round_split.csv'}) }}

{#- The lines of cache_hit_ratio_round_split.csv (SPEC 4.3): header, then every
    (scope, trigger, bucket). #}

{%- set cells = ['scope', 'trigger', 'hit_ratio_bucket', format_integer('rounds'), format_percent('round_share')] %}

with

round_split as (

    select *
    from {{ ref('cache_hit_ratio_round_split') }}

),

rows_formatted as (

    select
        row_number() over (order by scope_order, scope, trigger_order, bucket_index) as line_number,
        {{ csv_line(cells) }} as line
    from round_split

),

final as (

    select
        0 as line_number,
        {{ csv_header(['scope', 'trigger', 'hit_ratio_bucket', 'rounds', 'round_share']) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
