{% test unique_combination(model, columns) %}
    {#- Each combination of the columns that occurs more than once (the grain of a model whose
        key spans several columns), with how often. -#}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
