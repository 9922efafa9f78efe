{% macro on_bad_lines() -%}
    {#- What a bad trace line does: `strict` (default) stops the run at the first one, naming its
        file and line; `quarantine` sets bad lines aside in rejected_lines and goes on. -#}
    {%- set mode = var('on_bad_lines') | string | trim | lower -%}
    {%- if mode not in ['strict', 'quarantine'] -%}
        {{ exceptions.raise_compiler_error("on_bad_lines must be strict or quarantine, got '" ~ mode ~ "' (set ON_BAD_LINES=strict|quarantine).") }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}


{% macro check_trace_lines(relation) -%}
    {#- Post-hook of base_trace__lines: every trace file must hold at least one line, and in
        strict mode no line may be bad. Raises an error naming the file and line otherwise. -#}
    {%- if execute and not trace_input_is_database() -%}
        {%- set seen = run_query("select source_file, count(*) as line_count, count(*) filter (where not is_blank) as content_lines from " ~ relation ~ " group by source_file") -%}
        {%- set counts = {} -%}
        {%- for row in seen.rows -%}
            {%- do counts.update({row[0]: row[2]}) -%}
        {%- endfor -%}
        {%- for file in trace_files() -%}
            {%- if counts.get(file, 0) == 0 -%}
                {{ exceptions.raise_compiler_error("Trace file " ~ file ~ " is empty (no line holds a step). Remove it from TRACE or check that it was written completely.") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if on_bad_lines() == 'strict' -%}
            {%- set bad = run_query(
                "select source_file, input_row - (select min(input_row) from " ~ relation ~ " as same_file"
                ~ " where same_file.source_file = bad_line.source_file) + 1 as line_number,"
                ~ " rejection_reason, rejection_field, rejection_problem,"
                ~ " (select count(*) from " ~ relation ~ " where rejection_reason is not null)"
                ~ " from " ~ relation ~ " as bad_line where rejection_reason is not null order by input_row limit 1"
            ) -%}
            {%- if bad.rows | length > 0 -%}
                {%- set row = bad.rows[0] -%}
                {{ exceptions.raise_compiler_error(
                    "Bad trace line: " ~ row[0] ~ ", line " ~ row[1]
                    ~ (": field " ~ row[3] if row[3] else "") ~ ": " ~ row[4]
                    ~ " [" ~ row[2] ~ "]. " ~ row[5] ~ " bad line(s) in all; no output was written. "
                    ~ "Fix the line, or run with ON_BAD_LINES=quarantine to set such lines aside "
                    ~ "(listed in rejected_lines.csv and counted in cache_hit_ratio_step_audit.csv)."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
