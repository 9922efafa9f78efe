{{ config(meta={'output_file': 'cache_hit_ratio_histogram_data.csv'}) }}

{#- The lines of cache_hit_ratio_histogram_data.csv: the typed bins mart the figure script draws
    (shares x 100 in full precision, the band colour of each bin), so the plotting step reads
    numbers and computes none. #}

{%- set cells = [
    'scope', 'trigger', format_integer('bin_index'), 'bin_label', format_double('upper_edge'),
    'band_color', format_integer('rounds'), format_double('round_share'),
    format_integer('append_tokens'), format_double('append_token_share'),
    format_integer('group_rounds'),
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
        {{ csv_header(['scope', 'trigger', 'bin_index', 'bin', 'upper_edge', 'band_color', 'rounds', 'round_share_pct', 'append_tokens', 'append_token_share_pct', 'group_rounds']) }} as line
    union all
    select
        line_number,
        line
    from rows_formatted

)

select * from final
