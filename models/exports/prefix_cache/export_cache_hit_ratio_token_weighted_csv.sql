{{ config(meta={'output_file': 'cache_hit_ratio_token_weighted.csv'}) }}

{#- The lines of cache_hit_ratio_token_weighted.csv (SPEC 4.4): header, then every
    (scope, trigger); the rate as a plain full-precision number. #}

{%- set columns = [
    ('scope', 'scope'),
    ('trigger', 'trigger'),
    ('rounds', format_integer('rounds')),
    ('prefix_tokens', format_integer('prefix_tokens')),
    ('append_tokens', format_integer('append_tokens')),
    ('total_input_tokens', format_integer('total_input_tokens')),
    ('token_weighted_hit_rate', format_double('token_weighted_hit_rate')),
] %}

with

token_weighted as (

    select *
    from {{ ref('cache_hit_ratio_token_weighted') }}

),

final as (

    {{ csv_file_lines('token_weighted', columns, 'scope_order, scope, trigger_order') }}

)

select * from final
