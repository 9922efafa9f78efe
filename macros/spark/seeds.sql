{#- Seeds on Spark: overrides of dbt-spark's seed helpers (dispatched from the dbt namespace, so
    the root project's spark__ versions win). -#}

{% macro spark_seed_column_type(data_type) -%}
    {#- Spark 4 has no length-less varchar (DATATYPE_MISSING_SIZE); string is its text type. -#}
    {{ return('string' if (data_type | lower | trim) in ['varchar', 'text'] else data_type) }}
{%- endmacro %}


{% macro spark_seed_literal(value, data_type) -%}
    {#- One seed cell as a typed SQL literal. dbt-spark's session method would bind an empty
        cell as the text 'None' and a quote unescaped; numbers go through their exact decimal
        text (cast('0.01' as double) is the nearest double, as DuckDB reads the CSV); text goes
        through spark_string_literal (quotes and backslashes as chr(39) / chr(92)). -#}
    {%- if value is none -%}
        {{ return('cast(null as ' ~ data_type ~ ')') }}
    {%- elif value is sameas true or value is sameas false -%}
        {{ return('cast(' ~ (value | string | lower) ~ ' as ' ~ data_type ~ ')') }}
    {%- else -%}
        {{ return('cast(' ~ spark_string_literal(value) ~ ' as ' ~ data_type ~ ')') }}
    {%- endif -%}
{%- endmacro %}


{% macro spark__create_csv_table(model, agate_table) %}
  {#- dbt-spark's version with the column types mapped by spark_seed_column_type. -#}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = spark_seed_column_type(column_override.get(col_name, inferred_type)) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ partition_cols(label="partitioned by") }}
    {{ clustered_cols(label="clustered by") }}
    {{ location_clause() }}
    {{ comment_clause() }}
  {% endset %}

  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}

  {{ return(sql) }}
{% endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
  {#- dbt-spark's version with the values written as typed literals (spark_seed_literal)
      instead of bindings. -#}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set column_types = [] %}
  {% for col_name in agate_table.column_names %}
      {% do column_types.append(spark_seed_column_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) %}
  {% endfor %}

  {% set statements = [] %}

  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for value in row -%}
                  {{ spark_seed_literal(value, column_types[loop.index0]) }}
                  {%- if not loop.last %}, {% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {% endset %}

      {% do adapter.add_query(sql, abridge_sql_log=True) %}

      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}

  {{ return(statements[0]) }}
{% endmacro %}
