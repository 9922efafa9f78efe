{% macro trace_step_id(file_rank, line_number) -%}
    {#- A normalized trace's step_id: its file's rank, then its line number within the file
        (a file holds fewer than 2^32 lines), so steps of every file keep one order. -#}
    {{ file_rank }} * 4294967296 + {{ line_number }}
{%- endmacro %}
