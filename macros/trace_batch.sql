{#- Which trace files a build reads, and how. A run of the runner (scripts/run_pipeline.py) on
    DuckDB reads only the files that are new or changed since the last build: its plan
    (TRACE_ATLAS_PLAN, a CSV file) marks each file read, keep or drop, and stg_trace__lines
    replaces the lines of the files read and dropped only. Without a plan (plain `dbt build`,
    Spark) every file of var('trace') is read and the table is rebuilt. -#}


{% macro trace_files() -%}
    {#- The files this build reads, in order: with the runner's plan, those it marks `read`
        (looked up when the model runs, so that the project's parse does not depend on them);
        otherwise var('trace') / TRACE_ATLAS_TRACE split at commas. -#}
    {%- set files = [] -%}
    {%- if trace_plan() -%}
        {%- if execute -%}
            {%- set found = run_query('select source_file from ' ~ plan_files(['read']) ~ ' as batch order by source_file') -%}
            {%- do files.extend(found.columns[0].values()) -%}
        {%- endif -%}
    {%- else -%}
        {%- for path in var('trace', env_var('TRACE_ATLAS_TRACE', 'data/default/trace.jsonl')).split(',') if path | trim -%}
            {%- do files.append(path | trim) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{% macro duckdb_line_reader(files) -%}
    {#- DuckDB's line reader over the files (the options of source trace.steps): one text
        column, no quoting, so it splits on line breaks only. Lines it cannot read (not UTF-8,
        longer than max_line_bytes) are skipped and recorded by store_rejects; stg_trace__lines
        puts them back as rejections (macro restore_reader_rejects). -#}
    read_csv({{ sql_string_list(files) }}, columns = {'line_text': 'varchar'}, header = false,
        auto_detect = false, delim = chr(1), quote = '', escape = '', strict_mode = false,
        max_line_size = {{ var('max_line_bytes') }}, buffer_size = {{ var('max_line_bytes') }},
        filename = true, ignore_errors = true,
        store_rejects = true, rejects_table = 'trace_reader_rejects',
        rejects_scan = 'trace_reader_scans')
{%- endmacro %}


{% macro trace_plan() -%}
    {#- The runner's plan of this build (a CSV file: source_file, action, ...), or '' when
        dbt runs on its own. DuckDB only: Spark always reads every file. -#}
    {{ return(env_var('TRACE_ATLAS_PLAN', '') if target.type == 'duckdb' else '') }}
{%- endmacro %}


{% macro trace_reader() -%}
    {#- `exact` (default): every line is read as text and parsed by the SQL, so that any line
        can be diagnosed. `fast` (the runner's first try on DuckDB): the JSON reader parses the
        lines itself, and the build stops with TRACE_ATLAS_FAST_READER_DECLINED on a line it
        cannot judge without its text; the runner then builds again with `exact`. -#}
    {%- set reader = env_var('TRACE_ATLAS_READER', 'exact') | trim | lower -%}
    {%- if reader not in ['exact', 'fast'] -%}
        {{ exceptions.raise_compiler_error("TRACE_ATLAS_READER must be exact or fast, got '" ~ reader ~ "'.") }}
    {%- endif -%}
    {{ return(reader if target.type == 'duckdb' else 'exact') }}
{%- endmacro %}


{% macro sql_string_list(values) -%}
    [{% for value in values %}'{{ value | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %}]
{%- endmacro %}


{% macro plan_files(actions, plan=none, more=[]) -%}
    {#- A subquery: the files of a plan (the trace's unless another is given) whose action is
        one of `actions`, with the plan's columns named in `more`. -#}
    (
        select source_file{% for column in more %}, {{ column }}{% endfor %}
        from read_csv('{{ (plan or trace_plan()) | replace("'", "''") }}', header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', columns = {
                'source_file': 'varchar', 'action': 'varchar', 'on_disk': 'boolean',
                'size_bytes': 'bigint', 'modified_ns': 'bigint', 'fingerprint': 'varchar',
                'lines_kept': 'bigint'
            })
        where action in {{ '(' ~ sql_string_list(actions)[1:-1] ~ ')' }}
    )
{%- endmacro %}


{% macro forget_replaced_lines() -%}
    {#- Pre-hook of stg_trace__lines when it is incremental: the lines of every file the plan
        does not keep are deleted (files read again, files gone from disk, and any file the
        plan does not know), so that the batch appended next replaces them. -#}
    {%- if is_incremental() -%}
        delete from {{ this }} where source_file not in {{ plan_files(['keep']) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{% macro fast_reader_guard() -%}
    {#- The fast reader hands over parsed lines without their text. A line it cannot judge
        alone (one the exact reader would reject, or that parses to no object) stops the build
        with an error the runner recognises; it then reads the batch with the exact reader. -#}
    case
        when is_blank or rejection_reason is not null
            then error('TRACE_ATLAS_FAST_READER_DECLINED: ' || source_file || ', line ' || cast(line_number as varchar)
                || ' needs the exact reader (' || coalesce(rejection_reason, 'no JSON object') || ')')
        else true
    end
{%- endmacro %}


{% macro forget_inventory() -%}
    {#- Post-hook of stg_trace__lines built without the runner's plan (plain `dbt build`): the
        runner's record of which files the table holds is no longer true, so it is dropped and
        the runner's next build reads every file again. -#}
    {%- if target.type == 'duckdb' and not trace_plan() -%}
        drop table if exists trace_atlas_inventory;
        drop table if exists trace_atlas_last_build
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}



{% macro keep_history() -%}
    {#- KEEP_HISTORY (TRACE_ATLAS_KEEP_HISTORY): keep the steps of log files deleted since they
        were read. The runner sets it: on by default for make mine, off otherwise. -#}
    {{ return(env_var('TRACE_ATLAS_KEEP_HISTORY', '0') | trim | lower in ['1', 'yes', 'true']) }}
{%- endmacro %}


{% macro forget_remembered_steps() -%}
    {#- Pre-hook of int_agent_log_steps_remembered: the steps of the log files on disk are read
        again, so their earlier steps go; without history, every earlier step goes. -#}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if keep_history() %}
        where source_path in (select log_files.source_path from {{ ref('stg_agent_logs__files') }} as log_files)
        {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
