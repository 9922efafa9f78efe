{% macro percentile_linear(relation, value_column, partition_by, quantiles_relation) -%}
    {{ return(adapter.dispatch('percentile_linear', 'trace_atlas')(relation, value_column, partition_by, quantiles_relation)) }}
{%- endmacro %}

{% macro default__percentile_linear(relation, value_column, partition_by, quantiles_relation) -%}
    {#- SPEC 3, bit for bit: with the n values of a group sorted ascending (0-based),
        i = (n - 1) * q in double precision, lo = floor(i), hi = ceil(i);
        v[lo] when lo = hi, else v[lo] * (hi - i) + v[hi] * (i - lo), in that order.
        Returns one row per (partition, quantile): the partition columns, quantile_name,
        quantile, value_count and percentile_value. -#}
    {%- set partition_list = partition_by | join(', ') %}
    with

    values_ranked as (

        select
            {%- for column in partition_by %}
            {{ column }},
            {%- endfor %}
            cast({{ value_column }} as double) as value,
            row_number() over (
                partition by {{ partition_list }}
                order by {{ value_column }}
            ) - 1 as value_rank
        from {{ relation }}

    ),

    groups_counted as (

        select
            {%- for column in partition_by %}
            {{ column }},
            {%- endfor %}
            count(*) as value_count
        from {{ relation }}
        group by {{ partition_list }}

    ),

    positions_located as (

        select
            {%- for column in partition_by %}
            groups_counted.{{ column }},
            {%- endfor %}
            groups_counted.value_count,
            quantiles.quantile_name,
            quantiles.quantile,
            cast(groups_counted.value_count - 1 as double) * quantiles.quantile as position
        from groups_counted
        cross join {{ quantiles_relation }} as quantiles

    ),

    positions_bracketed as (

        select
            *,
            floor(position) as lower_position,
            ceil(position) as upper_position
        from positions_located

    ),

    bracket_values_joined as (

        select
            {%- for column in partition_by %}
            positions_bracketed.{{ column }},
            {%- endfor %}
            positions_bracketed.quantile_name,
            positions_bracketed.quantile,
            positions_bracketed.value_count,
            case
                when positions_bracketed.lower_position = positions_bracketed.upper_position
                    then lower_values.value
                else
                    lower_values.value * (positions_bracketed.upper_position - positions_bracketed.position)
                    + upper_values.value * (positions_bracketed.position - positions_bracketed.lower_position)
            end as percentile_value
        from positions_bracketed
        inner join values_ranked as lower_values
            on
                {%- for column in partition_by %}
                lower_values.{{ column }} = positions_bracketed.{{ column }} and
                {%- endfor %}
                lower_values.value_rank = cast(positions_bracketed.lower_position as bigint)
        inner join values_ranked as upper_values
            on
                {%- for column in partition_by %}
                upper_values.{{ column }} = positions_bracketed.{{ column }} and
                {%- endfor %}
                upper_values.value_rank = cast(positions_bracketed.upper_position as bigint)

    )

    select * from bracket_values_joined
{%- endmacro %}
