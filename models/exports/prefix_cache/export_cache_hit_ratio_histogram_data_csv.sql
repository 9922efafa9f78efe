{{ config(meta={'output_file': 'cache_hit_ratio_histogram_data.csv'}) }}

{#- The lines of cache_hit_ratio_histogram_data.csv: the typed bins mart the figure script draws
    (shares x 100 in full precision, the band colour of each bin, the group's step count), so
    the plotting step reads numbers and computes none. #}

{%- set columns = [
    ('scope', 'scope'),
    ('trigger', 'trigger'),
    ('bin_index', format_integer('bin_index')),
    ('bin', 'bin_label'),
    ('upper_edge', format_double('upper_edge')),
    ('band_color', 'band_color'),
    ('rounds', format_integer('rounds')),
    ('round_share_pct', format_double('round_share')),
    ('append_tokens', format_integer('append_tokens')),
    ('append_token_share_pct', format_double('append_token_share')),
    ('group_rounds', format_integer('group_rounds')),
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
