{#- The timing facts the idle-gap and thinking-time experiments read from a normalized trace
    line: its timing events and tool calls, each as a list of the few keys they need. -#}

{% macro trace_line_items(line_text, key, fields) -%}
    {{ return(adapter.dispatch('trace_line_items', 'trace_atlas')(line_text, key, fields)) }}
{%- endmacro %}

{% macro duckdb__trace_line_items(line_text, key, fields) -%}
    {#- The list at `key` of the line, each element a struct of `fields` (JSON text); NULL when
        the line, the list or an element is not what the input format says. -#}
    try(from_json(json_extract({{ line_text }}, '$.{{ key }}'), '[{ {%- for field in fields %}"{{ field }}":"JSON"{{ "," if not loop.last }}{% endfor -%} }]'))
{%- endmacro %}

{% macro spark__trace_line_items(line_text, key, fields) -%}
    -- Spark: the list's elements as VARIANTs (any key can be read)
    try_variant_get(try_parse_json({{ line_text }}), '$.{{ key }}', 'array<variant>')
{%- endmacro %}


{% macro trace_fast_lines(files, lists) -%}
    {{ return(adapter.dispatch('trace_fast_lines', 'trace_atlas')(files, lists)) }}
{%- endmacro %}

{% macro duckdb__trace_fast_lines(files, lists) -%}
    {#- DuckDB, when the build reads with the fast reader (every line a JSON object, no blank
        line): each list of `lists` (key: fields) read by DuckDB's JSON reader straight into a
        list of structs of those fields (JSON text), in file order then line order. A list that
        is not a list of objects fails the read, and the runner reads the batch again with the
        exact reader. -#}
    (
        select
            filename as source_file,
            row_number() over () as input_row,
            {{ lists.keys() | join(', ') }}
        from read_json(
            {{ sql_string_list(files) }},
            format = 'newline_delimited', records = true, filename = true,
            columns = { {%- for key, fields in lists.items() %}'{{ key }}': '{{ json_struct_list_type(fields) }}'{{ ', ' if not loop.last }}{% endfor -%} },
            maximum_object_size = {{ var('max_line_bytes') }}
        )
    )
{%- endmacro %}

{% macro json_struct_list_type(fields) -%}
    STRUCT({% for field in fields %}"{{ field }}" JSON{{ ', ' if not loop.last }}{% endfor %})[]
{%- endmacro %}

{% macro default__trace_fast_lines(files, lists) -%}
    {{ exceptions.raise_compiler_error("the fast reader is DuckDB's only") }}
{%- endmacro %}


{% macro percentile_nearest_pair(position, lower_rank, count, lower_value, upper_value) -%}
    {#- The thinking-time table's percentile (docs/method.md), bit for bit: i = (n - 1) * q,
        lo = floor(i), hi = min(lo + 1, n - 1), w = i - lo; v[lo] when lo = hi, else
        v[lo] * (1 - w) + v[hi] * w. (The idle-gap table uses percentile_linear.) -#}
    case
        when {{ lower_rank }} = least({{ lower_rank }} + 1, {{ count }} - 1) then {{ lower_value }}
        else {{ lower_value }} * (cast(1 as double) - ({{ position }} - cast({{ lower_rank }} as double)))
            + {{ upper_value }} * ({{ position }} - cast({{ lower_rank }} as double))
    end
{%- endmacro %}


{% macro trace_db_instant_us(column, columns) -%}
    {#- A time column of a prebuilt trace database (DuckDB) as microseconds since 1970: a
        TIMESTAMP as it is (its epoch_us, as the reference atlas reads it), text as ISO 8601
        (instant_us); NULL when the table lacks the column. -#}
    {%- set dtype = columns.get(column, '') -%}
    {%- if not dtype -%}
        cast(null as bigint)
    {%- elif 'timestamp' in dtype -%}
        cast(epoch_us({{ adapter.quote(column) }}) as bigint)
    {%- else -%}
        {{ instant_us('cast(' ~ adapter.quote(column) ~ ' as varchar)') }}
    {%- endif -%}
{%- endmacro %}


{% macro sql_text_or_null(value) -%}
    {#- A value of the user's price file as a SQL text literal (quotes doubled); NULL when empty. -#}
    {%- if value is none or (value | string | trim) == '' -%}
        null
    {%- else -%}
        '{{ value | string | trim | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}


{% macro idle_input_cost(append, cache_write) -%}
    {#- The input cost of a split (docs/method.md): the append not written to the cache at the
        input rate, the written part at the 5-minute cache-write rate; NULL when unpriced. -#}
    case
        when is_priced
            then ({{ append }} - greatest(0, least({{ cache_write }}, {{ append }}))) * input_usd_per_token
            + greatest(0, least({{ cache_write }}, {{ append }})) * cache_write_usd_per_token
    end
{%- endmacro %}


{% macro fixed_text(value, decimals, thousands=false) -%}
    {{ return(adapter.dispatch('fixed_text', 'trace_atlas')(value, decimals, thousands)) }}
{%- endmacro %}

{% macro duckdb__fixed_text(value, decimals, thousands=false) -%}
    {#- A double as text with `decimals` decimals, correctly rounded from its binary value (as
        Python's format), with comma thousands separators when asked. -#}
    format('{:{{ "," if thousands }}.{{ decimals }}f}', cast({{ value }} as double))
{%- endmacro %}

{% macro spark__fixed_text(value, decimals, thousands=false) -%}
    {#- Spark: format_number (Java's DecimalFormat, which rounds the double's exact binary value
        half to even, as Python does; format_string would round its shortest decimal text half
        up), commas dropped unless asked for. -#}
    {%- if thousands -%}
        format_number(cast({{ value }} as double), {{ decimals }})
    {%- else -%}
        replace(format_number(cast({{ value }} as double), {{ decimals }}), ',', '')
    {%- endif -%}
{%- endmacro %}


{% macro token_cell(value, tex=false) -%}
    {#- A token count as the thinking-time table writes it: >= 1e9 `1.23B`, >= 1e6 `4.5M`,
        >= 1e3 `6.7K` (two, one, one decimals), else the integer; the sign in front; in LaTeX a
        thin space before the unit. -#}
    {%- set magnitude = 'abs(cast(' ~ value ~ ' as double))' -%}
    {%- set space = '\\,' if tex else '' -%}
    concat(
        case when {{ value }} < 0 then '-' else '' end,
        case
            when {{ magnitude }} >= 1e9 then concat({{ fixed_text(magnitude ~ ' / 1e9', 2) }}, '{{ space }}B')
            when {{ magnitude }} >= 1e6 then concat({{ fixed_text(magnitude ~ ' / 1e6', 1) }}, '{{ space }}M')
            when {{ magnitude }} >= 1e3 then concat({{ fixed_text(magnitude ~ ' / 1e3', 1) }}, '{{ space }}K')
            else {{ fixed_text(magnitude, 0) }}
        end
    )
{%- endmacro %}


{% macro money_cell(value, tex=false) -%}
    {#- Dollars as the table writes them: >= 1000 no decimals, >= 100 one, else two (by the
        absolute value), comma thousands separators; `\$` in LaTeX. -#}
    concat(
        '{{ "\\$" if tex else "$" }}',
        case
            when abs({{ value }}) >= 1000 then {{ fixed_text(value, 0, true) }}
            when abs({{ value }}) >= 100 then {{ fixed_text(value, 1, true) }}
            else {{ fixed_text(value, 2, true) }}
        end
    )
{%- endmacro %}


{% macro small_money_cell(value, tex=false) -%}
    {#- The saving per step: >= 1 two decimals, >= 0.01 three, >= 0.001 four, else six; `--`
        when undefined. -#}
    case
        when {{ value }} is null then '--'
        else concat(
            '{{ "\\$" if tex else "$" }}',
            case
                when abs({{ value }}) >= 1 then {{ fixed_text(value, 2, true) }}
                when abs({{ value }}) >= 0.01 then {{ fixed_text(value, 3, true) }}
                when abs({{ value }}) >= 0.001 then {{ fixed_text(value, 4, true) }}
                else {{ fixed_text(value, 6, true) }}
            end
        )
    end
{%- endmacro %}


{% macro share_cell(fraction, tex=false) -%}
    {#- A fraction in percent with one decimal (`45.9%`, `\%` in LaTeX); `--` when undefined. -#}
    case
        when {{ fraction }} is null then '--'
        else concat({{ fixed_text(fraction ~ ' * 100', 1) }}, '{{ "\\%" if tex else "%" }}')
    end
{%- endmacro %}


{% macro headline_dollars(value) -%}
    {#- Dollars as the headline writes them: cents and thousands separators at every size, so
        that the amounts of one line read alike (`$1,234.50`, `$88.05`). -#}
    concat('$', {{ fixed_text(value, 2, true) }})
{%- endmacro %}
