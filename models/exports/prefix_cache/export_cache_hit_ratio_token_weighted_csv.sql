{{ config(meta={'output_file': 'cache_hit_ratio_token_weighted.csv'}) }}

{#- The lines of cache_hit_ratio_token_weighted.csv (SPEC 4.4): header, then every
    (scope, trigger); the rate as a plain full-precision number. #}

{%- set cells = [
    'scope', 'trigger', format_integer('rounds'), format_integer('prefix_tokens'),
    format_integer('append_tokens'), format_integer('total_input_tokens'),
    format_double('token_weighted_hit_rate'),
] %}

with

token_weighted as (

    select *
    from {{ ref('cache_hit_ratio_token_weighted') }}

),

rows_formatted as (

    select
        row_number() over (order by scope_order, scope, trigger_order) as line_number,
        {{ csv_line(cells) }} as line
    from token_weighted

),

final as (

    select
        0 as line_number,
        {{ csv_header(['scope', 'trigger', 'rounds', 'prefix_tokens', 'append_tokens', 'total_input_tokens', 'token_weighted_hit_rate']) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
