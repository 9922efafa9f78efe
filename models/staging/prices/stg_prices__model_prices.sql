{#- The price table of the run (grain: provider, model, match, applies_from): the seed
    model_prices, or the rows of the user's own price file (PRICES=path.csv), which the runner
    checks line by line and hands over as var('prices'): a list of rows with the seed's columns.
    The latest row of each key is kept. #}

{%- set user_rows = var('prices', none) %}
{%- set text_type = 'string' if target.type == 'spark' else 'varchar' %}

with

{%- if user_rows %}

price_rows as (

    {%- for row in user_rows %}
    select
        cast({{ sql_text_or_null(row.get('provider')) }} as {{ text_type }}) as provider,
        cast({{ sql_text_or_null(row.get('model')) }} as {{ text_type }}) as model,
        cast({{ sql_text_or_null(row.get('match')) }} as {{ text_type }}) as match,
        cast({{ row.get('match_order') | int }} as integer) as match_order,
        cast({{ sql_text_or_null(row.get('applies_from')) }} as date) as applies_from,
        {%- for rate in ['input_per_mtok', 'cache_write_5m_per_mtok', 'cache_write_1h_per_mtok', 'cache_read_per_mtok', 'output_per_mtok'] %}
        cast({{ sql_text_or_null(row.get(rate)) }} as double) as {{ rate }}{{ ',' if not loop.last }}
        {%- endfor %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),
{%- else %}

price_rows as (

    select *
    from {{ ref('model_prices') }}

),
{%- endif %}

prices_dated as (

    select
        *,
        row_number() over (
            partition by coalesce(provider, ''), lower(model), match
            order by applies_from desc, match_order asc
        ) as date_rank
    from price_rows

),

final as (

    select
        case when provider = '' then null else provider end as provider,
        case when match = 'family' then lower(model) else model end as model,
        match,
        match_order,
        applies_from,
        input_per_mtok,
        cache_write_5m_per_mtok,
        cache_write_1h_per_mtok,
        cache_read_per_mtok,
        output_per_mtok
    from prices_dated
    where date_rank = 1

)

select * from final
