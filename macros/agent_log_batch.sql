{#- Which raw log files a build reads. The runner on DuckDB reads only the log files that are
    new or changed since its last build: its plan (TRACE_ATLAS_LOG_PLAN, a CSV file with the
    columns of the trace's plan) marks each file read, grow, keep or drop. A file that only
    grew keeps the lines the database holds but its last one (lines_kept), and is read from
    there on. stg_agent_logs__lines then keeps the lines of the files kept, deletes the others'
    and appends the lines read; every model after it is rebuilt from all the lines, so the
    outputs are a full build's. Without a plan (plain `dbt build`, make normalize, a build that reads every file,
    Spark) every file under the folders is read and the table is built anew. -#}


{% macro agent_log_plan() -%}
    {#- The runner's plan of this build, or '' when every file is read. DuckDB only. -#}
    {{ return(env_var('TRACE_ATLAS_LOG_PLAN', '') if target.type == 'duckdb' else '') }}
{%- endmacro %}


{% macro agent_log_files_to_read() -%}
    {#- The files the plan marks `read`, in order (looked up when the model runs, so that the
        project's parse does not depend on them); [] without a plan. -#}
    {%- set files = [] -%}
    {%- if agent_log_plan() and execute -%}
        {%- set found = run_query('select source_file from ' ~ plan_files(['read'], agent_log_plan()) ~ ' as batch order by source_file') -%}
        {%- do files.extend(found.columns[0].values()) -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{% macro agent_log_files_grown() -%}
    {#- The files the plan marks `grow`, in order, as [path, lines_kept] pairs; [] without a
        plan. -#}
    {%- set files = [] -%}
    {%- if agent_log_plan() and execute -%}
        {%- set found = run_query('select source_file, lines_kept from ' ~ plan_files(['grow'], agent_log_plan(), ['lines_kept']) ~ ' as batch order by source_file') -%}
        {%- for row in found.rows -%}
            {%- do files.append([row[0], row[1]]) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{% macro forget_replaced_log_lines() -%}
    {#- Pre-hook of stg_agent_logs__lines when it is incremental: the lines of every file the
        plan neither keeps nor grows go (files read again, files gone from disk, any file the
        plan does not know), and so do a grown file's lines after the ones it keeps, so that
        the batch appended next replaces them. -#}
    {%- if is_incremental() -%}
        delete from {{ this }} where source_path not in {{ plan_files(['keep', 'grow'], agent_log_plan()) }};
        delete from {{ this }} as held
        where exists (
            select 1 from {{ plan_files(['grow'], agent_log_plan(), ['lines_kept']) }} as grown
            where grown.source_file = held.source_path and held.line_number > grown.lines_kept
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{% macro forget_log_inventory() -%}
    {#- Post-hook of stg_agent_logs__lines built without the runner's plan: the runner's record
        of which files the table holds is no longer true until the runner writes it again (its
        next build reads every file when it does not). -#}
    {%- if target.type == 'duckdb' and not agent_log_plan() -%}
        drop table if exists trace_atlas_inventory;
        drop table if exists trace_atlas_last_build
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
