{{ config(meta={'output_file': 'cache_hit_ratio_bins.csv'}) }}

{#- The lines of cache_hit_ratio_bins.csv (SPEC 4.2): header, then every (scope, trigger, bin). #}

{%- set columns = [
    ('scope', 'scope'),
    ('trigger', 'trigger'),
    ('bin', 'bin_label'),
    ('rounds', format_integer('rounds')),
    ('round_share', format_percent('round_share')),
    ('append_tokens', format_integer('append_tokens')),
    ('append_token_share', format_percent('append_token_share')),
] %}

with

bins as (

    select *
    from {{ ref('cache_hit_ratio_bins') }}

),

final as (

    {{ csv_file_lines('bins', columns, 'scope_order, scope, trigger_order, bin_index') }}

)

select * from final
