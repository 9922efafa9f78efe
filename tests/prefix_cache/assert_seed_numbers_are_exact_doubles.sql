-- The seeds' numeric edges load as the doubles their decimal text denotes (SPEC 3 asks for
-- double literals: a decimal type would change the last bits of every comparison).
with

hit_ratio_bins as (

    select bin_index, upper_edge
    from {{ ref('hit_ratio_bins') }}

),

quantiles as (

    select quantile_name, quantile
    from {{ ref('quantiles') }}

),

expected_edges as (

    {%- set edges = ['0', '0.01', '0.05', '0.10', '0.20', '0.40', '0.60', '0.80', '0.90', '0.95', '0.98', '0.99', '0.995', '1.0000001'] %}
    {%- for edge in edges %}
    select {{ loop.index0 }} as bin_index, cast('{{ edge }}' as double) as expected_edge
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        'hit_ratio_bins' as seed_name,
        cast(hit_ratio_bins.bin_index as string) as row_key
    from hit_ratio_bins
    full outer join expected_edges
        on hit_ratio_bins.bin_index = expected_edges.bin_index
    where hit_ratio_bins.upper_edge is distinct from expected_edges.expected_edge
    union all
    select
        'quantiles' as seed_name,
        quantile_name as row_key
    from quantiles
    where quantile <> cast(
            case quantile_name
                when 'median' then '0.50'
                else '0.' || substr(quantile_name, 2, 2)
            end as double
        )

)

select * from final
