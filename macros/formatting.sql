{#- Turning typed mart values into the exact text of the exported files (SPEC 4). -#}

{% macro format_percent(share_pct, decimals=2) -%}
    {{ return(adapter.dispatch('format_percent', 'trace_atlas')(share_pct, decimals)) }}
{%- endmacro %}

{% macro default__format_percent(share_pct, decimals) -%}
    {#- A share already multiplied by 100, as '97.53%'; NULL stays NULL (an empty cell). -#}
    case
        when {{ share_pct }} is null then null
        else printf('%.{{ decimals }}f', {{ share_pct }}) || '%'
    end
{%- endmacro %}


{% macro format_double(value) -%}
    {{ return(adapter.dispatch('format_double', 'trace_atlas')(value)) }}
{%- endmacro %}

{% macro default__format_double(value) -%}
    {#- Full precision: the shortest text that reads back as the same double (like Python's repr,
        e.g. 0.1, 1.0, 1e-05). -#}
    cast(cast({{ value }} as double) as varchar)
{%- endmacro %}


{% macro format_integer(value) -%}
    {{ return(adapter.dispatch('format_integer', 'trace_atlas')(value)) }}
{%- endmacro %}

{% macro default__format_integer(value) -%}
    {#- An exact integer (BIGINT or a wide exact sum) as its decimal digits. -#}
    cast({{ value }} as varchar)
{%- endmacro %}


{% macro csv_cell(text) -%}
    {#- One CSV cell: NULL is an empty cell; a value holding a comma, a double quote or a line
        break is quoted with inner quotes doubled (minimal quoting). -#}
    case
        when {{ text }} is null then ''
        when {{ text }} like '%,%'
            or {{ text }} like '%"%'
            or {{ text }} like '%' || chr(10) || '%'
            or {{ text }} like '%' || chr(13) || '%'
            then '"' || replace({{ text }}, '"', '""') || '"'
        else {{ text }}
    end
{%- endmacro %}


{% macro csv_line(cells) -%}
    {#- A CSV line from a list of SQL text expressions. -#}
    {%- for cell in cells %}
    {{ csv_cell(cell) }}{{ " || ','  ||" if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro csv_header(columns) -%}
    '{{ columns | join(",") }}'
{%- endmacro %}


{% macro csv_file_lines(relation, columns, order_by) -%}
    {#- The lines of a CSV file as (line_number, line): line 0 the header, then one line per row
        of `relation` in `order_by` order. `columns` is a list of (header name, SQL text
        expression of the cell). -#}
    select
        0 as line_number,
        {{ csv_header(columns | map(attribute=0) | list) }} as line
    union all
    select
        row_number() over (order by {{ order_by }}) as line_number,
        {{ csv_line(columns | map(attribute=1) | list) }} as line
    from {{ relation }}
{%- endmacro %}
