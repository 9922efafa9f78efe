{#- One row per warning (grain: source_file, line_number, warning, field): a bad value that no
    output reads, on a line that was kept (that value reads as NULL), in both modes. Warnings
    never stop a run; the audit counts them by kind (seed warning_kinds). #}

{%- set warned_integers = trace_field_names(json='integer', experiment_reads=false) %}

{%- if trace_input() == 'trace' %}
with

trace_lines as (

    select *
    from {{ ref('stg_trace__lines') }}
    where rejection_reason is null and not is_blank

),

warnings_listed as (

    {%- for field in warned_integers %}
    select
        source_file,
        line_number,
        {{ field }}__warning as warning,
        '{{ field }}' as field,
        {{ field }}__problem as problem
    from trace_lines
    where {{ field }}__warning is not null
    union all
    {%- endfor %}
    select
        source_file,
        line_number,
        'not_a_list' as warning,
        'tools' as field,
        tools__problem as problem
    from trace_lines
    where tools__problem is not null
    union all
    select
        source_file,
        line_number,
        'event_not_an_object' as warning,
        'timing_events[' || cast(later_non_object_event_index as string) || ']' as field,
        'expected an object' as problem
    from trace_lines
    where later_non_object_event_index is not null
    union all
    select
        source_file,
        line_number,
        'unparseable_timestamp' as warning,
        'timing_events[' || cast(first_unparseable_timestamp_index as string) || '].timestamp' as field,
        cast(unparseable_timestamp_count as string) || ' timestamp(s) do not parse, the first: ' || left(first_unparseable_timestamp, 60) as problem
    from trace_lines
    where unparseable_timestamp_count > 0
    union all
    select
        source_file,
        line_number,
        'input_tokens_total_mismatch' as warning,
        'input_tokens_total' as field,
        'input_tokens_total ' || cast(input_tokens_total as string) || ' <> prefix_tokens + newly_append_tokens '
        || cast(prefix_tokens + newly_append_tokens as string) as problem
    from trace_lines
    where input_tokens_total <> prefix_tokens + newly_append_tokens

),

final as (

    select
        source_file,
        line_number,
        warning,
        field,
        problem
    from warnings_listed

)

select * from final
{%- else %}
-- this input has no lines to check (a prebuilt trace database is typed already)
select
    cast(null as string) as source_file,
    cast(null as bigint) as line_number,
    cast(null as string) as warning,
    cast(null as string) as field,
    cast(null as string) as problem
where false
{%- endif %}
