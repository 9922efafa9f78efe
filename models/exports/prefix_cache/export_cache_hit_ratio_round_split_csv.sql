{{ config(meta={'output_file': 'cache_hit_ratio_round_split.csv'}) }}

{#- The lines of cache_hit_ratio_round_split.csv (SPEC 4.3): header, then every
    (scope, trigger, bucket). #}

{%- set columns = [
    ('scope', 'scope'),
    ('trigger', 'trigger'),
    ('hit_ratio_bucket', 'hit_ratio_bucket'),
    ('rounds', format_integer('rounds')),
    ('round_share', format_percent('round_share')),
] %}

with

round_split as (

    select *
    from {{ ref('cache_hit_ratio_round_split') }}

),

final as (

    {{ csv_file_lines('round_split', columns, 'scope_order, scope, trigger_order, bucket_index') }}

)

select * from final
