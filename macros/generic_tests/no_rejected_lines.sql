{% test no_rejected_lines(model) %}
    {#- The strict mode of ON_BAD_LINES: fails when any line was set aside. In strict mode the
        failure names the first such line -- file, line, field, problem, reason -- and how to go
        on, instead of a row count (the test is compiled after its model is built, so it can
        look). Returns the rejected lines. -#}
    {%- if execute and flags.WHICH in ('build', 'test') and on_bad_lines() == 'strict' -%}
        {%- set first_bad_line_query -%}
            select
                bad.source_file,
                bad.line_number,
                bad.rejection_field,
                bad.rejection_problem,
                bad.rejection_reason,
                (select count(*) from {{ model }} as counted where counted.rejection_reason is not null) as bad_lines
            from {{ model }} as bad
            where bad.rejection_reason is not null
            order by bad.source_file, bad.line_number
            limit 1
        {%- endset -%}
        {%- set first_bad = run_query(first_bad_line_query) -%}
        {%- if first_bad.rows | length > 0 -%}
            {%- set row = first_bad.rows[0] -%}
            {{ exceptions.raise_compiler_error(
                "Bad trace line: " ~ row[0] ~ ", line " ~ row[1] ~ (": field " ~ row[2] if row[2] else "")
                ~ ": " ~ row[3] ~ " [" ~ row[4] ~ "]. " ~ row[5] ~ " bad line(s) in all; no output was written."
                ~ " Fix the line, or run with ON_BAD_LINES=quarantine to set such lines aside (listed in"
                ~ " rejected_lines.csv and counted in cache_hit_ratio_step_audit.csv)."
            ) }}
        {%- endif -%}
    {%- endif %}
    select
        source_file,
        line_number,
        rejection_reason,
        rejection_field,
        rejection_problem
    from {{ model }}
    where rejection_reason is not null
{% endtest %}
