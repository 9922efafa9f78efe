{#- Spark variants of the export formatting (macros/formatting.sql): the exported text must be
    byte-identical to DuckDB's, which matches Python's f"{x:.2f}" and repr(x). Checked against
    Python by tests/spark/test_spark_macros.py. -#}

{% macro spark__format_percent(share_pct, decimals) -%}
    {#- Spark's format_string('%.2f') rounds half up from Java's shortest digits (0.125 -> 0.13,
        2.675 -> 2.68; Python gives 0.12, 2.67). format_number with a pattern uses
        java.text.DecimalFormat: HALF_EVEN on the exact binary value, as Python does; a pattern
        without ',' has no grouping. DecimalFormat pads Java's shortest digits with zeros from
        the 17th digit on, so integral doubles from 2^53 to 2^63 go through bigint (exact); above
        2^63 (never a percentage) the digits past the 17th are zeros, not the exact value.
        -0.0 and non-finite values are spelled the Python way. -#}
    {%- set pattern = '0' ~ ('.' ~ '0' * decimals if decimals > 0 else '') %}
    {%- set share_pct = '(' ~ share_pct ~ ')' %}
    case
        when {{ share_pct }} is null then null
        when isnan({{ share_pct }}) then 'nan%'
        when {{ share_pct }} = double('Infinity') then 'inf%'
        when {{ share_pct }} = double('-Infinity') then '-inf%'
        when {{ share_pct }} = 0 and cast(cast({{ share_pct }} as double) as string) like '-%'
            then '-{{ pattern }}%'
        when abs({{ share_pct }}) >= 9007199254740992 and abs({{ share_pct }}) < 9223372036854775807
            then cast(cast({{ share_pct }} as bigint) as string) || '{{ pattern[1:] }}%'
        else format_number(cast({{ share_pct }} as double), '{{ pattern }}') || '%'
    end
{%- endmacro %}


{% macro spark__format_double(value) -%}
    {#- Python's repr of a double. Spark's cast to string is Java's Double.toString: Java's layout
        ('1.0E-5') and, on JDK 17, not always the shortest digits (7.1202363472230444E-307 for
        7.120236347223045e-307), and format_number/format_string round those same digits. The
        shortest round-trip digits come from the Schubfach algorithm of the Jackson library
        bundled with Spark (NumberOutput.toString(x, true), as JDK 19+'s Double.toString), except
        that it prints at least two digits (4.9E-324 where repr says 5e-324): a one-digit
        DecimalFormat text that reads back as the same double wins. Laid out as repr does: plain
        for decimal exponents -4..15 ('0.0001', '1.0', '1234.5'), else 'd.ddde-05' / 'de+16'. -#}
    {{ spark_shortest_double_text('cast(' ~ value ~ ' as double)', 'python') }}
{%- endmacro %}


{% macro spark_shortest_double_text(value, style) -%}
    {#- A double as the shortest text that reads back as the same double. style 'python': laid
        out as Python's repr (plain for decimal exponents -4..15, else 'd.ddde-05' / 'de+16';
        nan, inf). style 'json': as yyjson (DuckDB's JSON writer) prints it (plain from 1e-6 up
        to below 1e21, '.0' added to an integer, else 'd.ddde-7'; NaN, Infinity). The shortest
        digits: see spark__format_double. -#}
    {%- set number = '(' ~ value ~ ')' %}
    {%- set python = style == 'python' %}
    case
        when {{ number }} is null then null
        when isnan({{ number }}) then '{{ "nan" if python else "NaN" }}'
        when {{ number }} = double('Infinity') then '{{ "inf" if python else "Infinity" }}'
        when {{ number }} = double('-Infinity') then '{{ "-inf" if python else "-Infinity" }}'
        when {{ number }} = 0
            then case when cast({{ number }} as string) like '-%' then '-0.0' else '0.0' end
        else case when {{ number }} < 0 then '-' else '' end || transform(
            array(
                case
                    when cast(format_number(abs({{ number }}), '0E0') as double) = abs({{ number }})
                        then format_number(abs({{ number }}), '0E0')
                    else reflect('com.fasterxml.jackson.core.io.NumberOutput', 'toString', abs({{ number }}), true)
                end
            ),
            shortest_text -> transform(
                array(named_struct(
                    'all_digits', replace(substring_index(shortest_text, 'E', 1), '.', ''),
                    'integer_digit_count', length(substring_index(substring_index(shortest_text, 'E', 1), '.', 1)),
                    'power_of_ten', case when shortest_text like '%E%' then cast(substring_index(shortest_text, 'E', -1) as int) else 0 end
                )),
                raw_parts -> transform(
                    array(named_struct(
                        'digits', trim(TRAILING '0' FROM trim(LEADING '0' FROM raw_parts.all_digits)),
                        'exponent', raw_parts.integer_digit_count - 1 + raw_parts.power_of_ten
                            - (length(raw_parts.all_digits) - length(trim(LEADING '0' FROM raw_parts.all_digits)))
                    )),
                    parts -> case
                        when parts.exponent < {{ -4 if python else -6 }} or parts.exponent >= {{ 16 if python else 21 }}
                            then left(parts.digits, 1)
                                || case when length(parts.digits) > 1 then '.' || substr(parts.digits, 2) else '' end
                                {%- if python %}
                                || 'e' || case when parts.exponent < 0 then '-' else '+' end
                                || case when abs(parts.exponent) < 10 then '0' else '' end
                                || cast(abs(parts.exponent) as string)
                                {%- else %}
                                || 'e' || cast(parts.exponent as string)
                                {%- endif %}
                        when parts.exponent < 0
                            then '0.' || repeat('0', -parts.exponent - 1) || parts.digits
                        when length(parts.digits) <= parts.exponent + 1
                            then rpad(parts.digits, parts.exponent + 1, '0') || '.0'
                        else left(parts.digits, parts.exponent + 1) || '.' || substr(parts.digits, parts.exponent + 2)
                    end
                )[0]
            )[0]
        )[0]
    end
{%- endmacro %}


{% macro spark__format_integer(value) -%}
    {#- Spark 4 has no length-less varchar type (DATATYPE_MISSING_SIZE); string is the text type.
        Used once format_integer dispatches; `cast(... as string)` also works on DuckDB. -#}
    cast({{ value }} as string)
{%- endmacro %}
