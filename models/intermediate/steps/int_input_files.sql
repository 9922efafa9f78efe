{#- One row per input file the run read (grain: source_file), whatever the input: the trace
    files with their line counts, or the prebuilt trace database. The output writer lists them
    (with size and sha256) in run_manifest.json. #}

with

{%- if trace_input() == 'trace' %}

input_files as (

    select
        source_file,
        line_count
    from {{ ref('stg_trace__files') }}

),
{%- else %}

input_files as (

    select
        source_file,
        count(*) as line_count
    from {{ ref('int_steps_unioned') }}
    group by source_file

),
{%- endif %}

final as (

    select
        source_file,
        line_count
    from input_files

)

select * from final
