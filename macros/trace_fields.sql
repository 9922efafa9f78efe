{#- The input format, read from its one definition: var('trace_keys') in dbt_project.yml (the
    keys of a normalized trace line, each with its JSON type and whether the experiment reads
    it). Source trace.steps documents the same keys (a pytest checks they agree). -#}

{% macro trace_fields(json=none, experiment_reads=none) -%}
    {#- The keys as a list of {name, json, experiment_reads}, in order, optionally only those of
        one JSON type (integer, text, list) and/or whose experiment_reads flag equals the
        argument. -#}
    {%- set fields = [] -%}
    {%- for key in var('trace_keys') -%}
        {%- set reads = key.get('experiment_reads', false) -%}
        {%- if (json is none or key.json == json) and (experiment_reads is none or reads == experiment_reads) -%}
            {%- do fields.append({'name': key.name, 'json': key.json, 'experiment_reads': reads}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}


{% macro trace_field_names(json=none, experiment_reads=none) -%}
    {#- Just the names of trace_fields(...). -#}
    {{ return(trace_fields(json, experiment_reads) | map(attribute='name') | list) }}
{%- endmacro %}
