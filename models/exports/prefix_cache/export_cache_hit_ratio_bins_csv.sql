{{ config(meta={'output_file': 'cache_hit_ratio_bins.csv'}) }}

{#- The lines of cache_hit_ratio_bins.csv (SPEC 4.2): header, then every (scope, trigger, bin). #}

{%- set cells = [
    'scope', 'trigger', 'bin_label', format_integer('rounds'), format_percent('round_share'),
    format_integer('append_tokens'), format_percent('append_token_share'),
] %}

with

bins as (

    select *
    from {{ ref('cache_hit_ratio_bins') }}

),

rows_formatted as (

    select
        row_number() over (order by scope_order, scope, trigger_order, bin_index) as line_number,
        {{ csv_line(cells) }} as line
    from bins

),

final as (

    select
        0 as line_number,
        {{ csv_header(['scope', 'trigger', 'bin', 'rounds', 'round_share', 'append_tokens', 'append_token_share']) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
