{#- Spark variants of the trace reader's engine-specific pieces (macros/read_trace.sql). -#}

{% macro spark__read_trace_lines() -%}
    {#- Placeholder until the Spark trace reader lands: lets the project parse on Spark (seeds,
        unit tests, the models downstream of the staging layer); fails when actually run. -#}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error("read_trace_lines is not implemented on Spark yet (target spark): build the staging models on DuckDB.") }}
    {%- endif -%}
    (select cast(null as string) as source_file, cast(null as bigint) as line_number, cast(null as string) as line_text)
{%- endmacro %}
