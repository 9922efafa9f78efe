{#- Loading seeds on Spark. dbt-spark's session method binds seed values as parameters, which
    turns an empty cell into the text 'None', and Spark 4 has no length-less varchar; these
    overrides (dispatched from dbt's namespace, so the root project's versions win) create the
    table with Spark's types and insert the values as typed literals. -#}

{% macro spark_seed_column_type(data_type) -%}
    {#- Spark's text type is string. -#}
    {{ return('string' if (data_type | lower | trim) in ['varchar', 'text'] else data_type) }}
{%- endmacro %}


{% macro spark_seed_literal(value, data_type) -%}
    {#- One seed cell as a typed SQL literal: NULL for an empty cell; text and numbers through
        their exact text (a number's decimal text casts to the nearest double, as DuckDB reads the
        CSV), with quotes and backslashes as chr(39) / chr(92) so that no escaping rule applies. -#}
    {%- if value is none -%}
        {{ return('cast(null as ' ~ data_type ~ ')') }}
    {%- endif -%}
    {%- set text = (value | string | lower) if (value is sameas true or value is sameas false) else (value | string) -%}
    {%- set pieces = [] -%}
    {%- for piece in text.split("'") -%}
        {%- do pieces.append(piece.split("\\") | join("' || chr(92) || '")) -%}
    {%- endfor -%}
    {{ return("cast('" ~ (pieces | join("' || chr(39) || '")) ~ "' as " ~ data_type ~ ")") }}
{%- endmacro %}


{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for column_name in agate_table.column_names %}
            {{ adapter.quote_seed_column(column_name | string, quote_seed_column) }} {{ spark_seed_column_type(column_override.get(column_name, adapter.convert_type(agate_table, loop.index0))) }}{{ "," if not loop.last }}
            {%- endfor %}
        )
        {{ file_format_clause() }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do column_types.append(spark_seed_column_type(column_override.get(column_name, adapter.convert_type(agate_table, loop.index0)))) -%}
    {%- endfor -%}
    {% set sql %}
        insert into {{ this.render() }} values
        {%- for row in agate_table.rows %}
        ({%- for value in row -%}{{ spark_seed_literal(value, column_types[loop.index0]) }}{{ ", " if not loop.last }}{%- endfor -%}){{ "," if not loop.last }}
        {%- endfor %}
    {% endset %}
    {% do adapter.add_query(sql, abridge_sql_log=True) %}
    {{ return(sql) }}
{% endmacro %}
