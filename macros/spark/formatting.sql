{#- Spark variants of the export formatting (macros/formatting.sql): the exported text must be
    byte-identical to DuckDB's, which matches Python's f"{x:.2f}" and repr(x). Checked against
    Python by tests/spark/test_spark_macros.py. -#}

{% macro spark__format_percent(share_pct, decimals) -%}
    {#- Spark's format_string('%.2f') rounds half up from Java's shortest digits (0.125 -> 0.13,
        2.675 -> 2.68; Python gives 0.12, 2.67). format_number with a pattern uses
        java.text.DecimalFormat: HALF_EVEN on the exact binary value, as Python does; a pattern
        without ',' has no grouping. -0.0 and non-finite values are spelled the Python way. -#}
    {%- set pattern = '0' ~ ('.' ~ '0' * decimals if decimals > 0 else '') %}
    case
        when {{ share_pct }} is null then null
        when isnan({{ share_pct }}) then 'nan%'
        when {{ share_pct }} = double('Infinity') then 'inf%'
        when {{ share_pct }} = double('-Infinity') then '-inf%'
        when {{ share_pct }} = 0 and cast(cast({{ share_pct }} as double) as string) like '-%'
            then '-{{ pattern }}%'
        else format_number(cast({{ share_pct }} as double), '{{ pattern }}') || '%'
    end
{%- endmacro %}


{% macro spark__format_double(value) -%}
    {#- Python's repr of a double. Spark's cast to string is Java's Double.toString ('1.0E-5',
        and on JDK 17 not always the shortest digits), so: the first of 1..17 significant digits
        at which DecimalFormat's correctly rounded scientific text reads back as the same double
        (the shortest round-trip digits), laid out as repr does: plain notation for exponents
        -4..15 ('0.0001', '1.0', '1234.5'), else 'd.ddde-05' / 'de+16'. -#}
    {%- set number = 'cast(' ~ value ~ ' as double)' %}
    case
        when {{ value }} is null then null
        when isnan({{ number }}) then 'nan'
        when {{ number }} = double('Infinity') then 'inf'
        when {{ number }} = double('-Infinity') then '-inf'
        when {{ number }} = 0
            then case when cast({{ number }} as string) like '-%' then '-0.0' else '0.0' end
        else transform(
            array(
                filter(
                    transform(
                        sequence(1, 17),
                        precision -> format_number(
                            {{ number }},
                            case when precision = 1 then '0E0' else '0.' || repeat('#', precision - 1) || 'E0' end
                        )
                    ),
                    scientific -> cast(scientific as double) = {{ number }}
                )[0]
            ),
            shortest -> transform(
                array(named_struct(
                    'sign', case when shortest like '-%' then '-' else '' end,
                    'digits', replace(replace(substring_index(shortest, 'E', 1), '-', ''), '.', ''),
                    'exponent', cast(substring_index(shortest, 'E', -1) as int)
                )),
                parts -> parts.sign || case
                    when parts.exponent < -4 or parts.exponent >= 16
                        then left(parts.digits, 1)
                            || case when length(parts.digits) > 1 then '.' || substr(parts.digits, 2) else '' end
                            || 'e' || case when parts.exponent < 0 then '-' else '+' end
                            || case when abs(parts.exponent) < 10 then '0' else '' end
                            || cast(abs(parts.exponent) as string)
                    when parts.exponent < 0
                        then '0.' || repeat('0', -parts.exponent - 1) || parts.digits
                    when length(parts.digits) <= parts.exponent + 1
                        then rpad(parts.digits, parts.exponent + 1, '0') || '.0'
                    else left(parts.digits, parts.exponent + 1) || '.' || substr(parts.digits, parts.exponent + 2)
                end
            )[0]
        )[0]
    end
{%- endmacro %}


{% macro spark__format_integer(value) -%}
    {#- Spark 4 has no length-less varchar type (DATATYPE_MISSING_SIZE); string is the text type.
        Used once format_integer dispatches; `cast(... as string)` also works on DuckDB. -#}
    cast({{ value }} as string)
{%- endmacro %}
