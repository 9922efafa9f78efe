{{ config(
    materialized='incremental' if trace_plan() else 'table',
    incremental_strategy='append',
    pre_hook=["{{ clear_reader_rejects() }}", "{{ forget_replaced_lines() }}"],
    post_hook=["{{ restore_reader_rejects() }}", "{{ forget_inventory() }}"],
) }}

{#- One row per physical line of the trace (grain: source_file, line_number): every check of
    the input format, written once for every engine. A line is blank, or set aside with a
    rejection (reason, field, problem) when a value the experiment reads is bad, or kept with
    its typed values; a bad value that no output reads is a warning, and the line is kept with
    that value NULL. Cheap tests run on every line; the diagnosis (the JSON type of a bad value,
    a second parse) only on the few lines a cheap test flagged. The keys and their JSON types
    come from var('trace_keys'). A cache write split (claude_cache_creation_5m_input_tokens and
    claude_cache_creation_1h_input_tokens, optional) is either absent or adds up to
    claude_cache_creation_input_tokens. Incremental under the runner (macro trace_plan): a build
    appends the lines of the files it read and keeps those of unchanged files. #}

{%- set integer_fields = trace_fields(json='integer') %}
{%- set text_fields = trace_fields(json='text') %}
{%- set boolean_fields = trace_fields(json='boolean') %}
{#- the optional split of a Claude cache write by lifetime, and the total it adds up to #}
{%- set split_5m, split_1h, split_total = 'claude_cache_creation_5m_input_tokens', 'claude_cache_creation_1h_input_tokens', 'claude_cache_creation_input_tokens' %}
{%- set critical_keys = trace_field_names(experiment_reads=true) %}

with

trace_lines as (

    select
        source_file,
        input_row,
        line_text as line_as_written,
        {#- JSON that Python reads: a lone surrogate escape reads as U+FFFD (docs/input_format.md) #}
        {{ json_lone_surrogates_replaced('line_text') }} as line_text,
        reader_problem{% if trace_reader() == 'fast' %},
        step{% endif %}
    from {{ ref('base_trace__lines') }}

),

lines_read as (

    select
        source_file,
        input_row,
        line_as_written,
        line_text,
        reader_problem,
        {#- the fast reader hands over the line parsed; otherwise it is parsed here, once #}
        {{ 'step' if trace_reader() == 'fast' else parse_trace_line('line_text') }} as step
    from trace_lines

),

files_started as (

    select
        source_file,
        min(input_row) as first_input_row
    from lines_read
    group by source_file

),

lines_parsed as (

    select
        lines_read.source_file,
        lines_read.input_row - files_started.first_input_row + 1 as line_number,
        lines_read.line_as_written,
        lines_read.line_text,
        lines_read.reader_problem,
        lines_read.step is null and lines_read.reader_problem is null and case
            when coalesce(lines_read.line_text, '') = '' then true
            when left(lines_read.line_text, 1) = '{' then false
            else translate(lines_read.line_text, chr(32) || chr(9) || chr(13), '') = ''
        end as is_blank,
        lines_read.step
    from lines_read
    inner join files_started
        on lines_read.source_file = files_started.source_file

),

values_extracted as (

    select
        source_file,
        line_number,
        line_as_written,
        line_text,
        reader_problem,
        is_blank,
        step,
        {%- for field in integer_fields %}
        {{ json_raw('step', field.name) }} as {{ field.name }}__raw,
        {%- endfor %}
        {%- for field in boolean_fields %}
        {{ json_raw('step', field.name) }} as {{ field.name }}__raw,
        {%- endfor %}
        {{ json_raw('step', 'provider') }} as provider__raw,
        {{ first_event_raw('step', 'event_type') }} as first_event_type__raw,
        {{ json_list_length('step', 'timing_events') }} as timing_events__length,
        {{ json_list_length('step', 'tools') }} as tools__length,
        {{ first_non_object_event('step', 'line_text') }} as first_non_object_event,
        {{ unparseable_timestamps('step', 'count') }} as unparseable_timestamp_count,
        {#- a repeated key must appear twice in the text: a cheap literal count flags the line, and
            so does a key written with a \u escape (which the literal count cannot see) #}
        {%- for key in critical_keys %}
        {{ count_occurrences('line_text', '"' ~ key ~ '"') }} > 1 or
        {%- endfor %}
        {{ count_occurrences('line_text', '"event_type"') }} > coalesce({{ json_list_length('step', 'timing_events') }}, 0)
        or (contains(line_text, '\u') and {{ regex_test('line_text', '"[^"]*\\\\u[^"]*"\\s*:') }})
            as may_repeat_a_key
    from lines_parsed

),

values_typed as (

    select
        *,
        {%- for field in integer_fields %}
        case
            when cast(try_cast({{ field.name }}__raw as bigint) as string) = {{ field.name }}__raw
                then try_cast({{ field.name }}__raw as bigint)
        end as {{ field.name }}__value,
        {%- endfor %}
        {#- JSON whitespace (space, tab, line feed, carriage return) may come before the value #}
        step is not null
        and left(trim(leading chr(32) || chr(9) || chr(10) || chr(13) from line_text), 1) <> '{' as is_not_an_object
    from values_extracted

),

values_judged as (

    select
        *,
        {%- for field in integer_fields %}
        {#- the kind of a value that is not a valid count; NULL when it is one (or absent) #}
        case
            when {{ field.name }}__raw is not null and coalesce({{ field.name }}__value < 0, true)
                then {{ json_kind(field.name ~ '__raw') }}
        end as {{ field.name }}__bad_kind,
        {%- endfor %}
        {%- for field in boolean_fields %}
        case
            when {{ field.name }}__raw not in ('true', 'false') then {{ json_kind(field.name ~ '__raw') }}
        end as {{ field.name }}__bad_kind,
        {%- endfor %}
        {#- a split is absent (both null) or two counts adding up to the total (no overflow) #}
        ({{ split_5m }}__raw is null and {{ split_1h }}__raw is null)
        or coalesce(
            {{ split_total }}__value >= 0
            and {{ split_5m }}__value between 0 and {{ split_total }}__value
            and {{ split_1h }}__value = {{ split_total }}__value - {{ split_5m }}__value,
            false
        ) as is_cache_write_split_whole,
        case when left(provider__raw, 1) <> '"' then {{ json_kind('provider__raw') }} end as provider__bad_kind,
        case when left(first_event_type__raw, 1) <> '"' then {{ json_kind('first_event_type__raw') }} end as first_event_type__bad_kind,
        {#- a CASE around each second parse: it runs for flagged lines only #}
        case
            when may_repeat_a_key and step is not null
                then case
                        {%- for key in critical_keys %}
                        when {{ json_key_count('line_text', '$', key) }} > 1 then '{{ key }}'
                        {%- endfor %}
                        when coalesce({{ json_key_count('line_text', '$.timing_events[0]', 'event_type') }}, 0) > 1
                            then 'timing_events[0].event_type'
                    end
        end as repeated_key,
        case
            when timing_events__length is null and step is not null
                then {{ json_kind(json_raw_at('line_text', '$.timing_events')) }}
        end as timing_events__kind,
        case
            when tools__length is null and step is not null
                then {{ json_kind(json_raw_at('line_text', '$.tools')) }}
        end as tools__kind
    from values_typed

),

lines_checked as (

    select
        *,
        case
            when is_blank then null
            when reader_problem is not null then reader_problem
            when step is null then 'not_json'
            when is_not_an_object then 'not_an_object'
            when repeated_key is not null then 'duplicate_key'
            {%- for field in integer_fields if field.experiment_reads %}
            when {{ field.name }}__bad_kind is not null
                then {{ integer_issue(field.name ~ '__bad_kind', field.name ~ '__raw', 'reason') }}
            {%- endfor %}
            when provider__bad_kind is not null then 'not_a_string'
            when timing_events__kind not in ('array', 'null') then 'not_a_list'
            when first_non_object_event = 1 then 'event_not_an_object'
            when first_event_type__bad_kind is not null then 'not_a_string'
            {%- for field in boolean_fields if field.experiment_reads %}
            when {{ field.name }}__bad_kind is not null then 'not_a_boolean'
            {%- endfor %}
            when not is_cache_write_split_whole then 'cache_write_split_mismatch'
        end as rejection_reason
    from values_judged

),

lines_explained as (

    select
        *,
        case
            when rejection_reason = 'duplicate_key' then repeated_key
            {%- for field in integer_fields if field.experiment_reads %}
            when rejection_reason in ('not_an_integer', 'negative_integer', 'integer_out_of_range')
                and {{ field.name }}__bad_kind is not null then '{{ field.name }}'
            {%- endfor %}
            when rejection_reason = 'not_a_string' and provider__bad_kind is not null then 'provider'
            when rejection_reason = 'not_a_string' then 'timing_events[0].event_type'
            when rejection_reason = 'not_a_list' then 'timing_events'
            when rejection_reason = 'event_not_an_object' then 'timing_events[0]'
            {%- for field in boolean_fields if field.experiment_reads %}
            when rejection_reason = 'not_a_boolean' and {{ field.name }}__bad_kind is not null then '{{ field.name }}'
            {%- endfor %}
            when rejection_reason = 'cache_write_split_mismatch' then '{{ split_total }}'
        end as rejection_field,
        case rejection_reason
            when 'not_utf8' then 'the line is not UTF-8 text'
            when 'line_too_long' then 'the line is longer than {{ var("max_line_bytes") }} bytes'
            when 'not_json' then 'the line is not valid JSON'
            when 'not_an_object' then 'the line is JSON but not an object (' || {{ json_kind(json_raw_at('line_text', '$')) }} || ')'
            when 'duplicate_key' then 'the key ' || repeated_key || ' appears more than once'
            when 'not_a_string'
                then 'expected a string, got ' || coalesce(
                        provider__bad_kind || ' ' || left({{ number_as_written('provider__raw', 'provider__bad_kind', 'line_text', 'provider') }}, 40),
                        first_event_type__bad_kind || ' ' || left({{ number_as_written('first_event_type__raw', 'first_event_type__bad_kind', 'line_text', 'event_type') }}, 40)
                    )
            when 'not_a_list' then 'expected a list, got ' || timing_events__kind
            when 'event_not_an_object' then 'expected an object, got ' || {{ json_kind(json_raw_at('line_text', '$.timing_events[0]')) }}
            when 'not_a_boolean'
                then 'expected a boolean, got '
                    || is_subagent__bad_kind || ' ' || left({{ number_as_written('is_subagent__raw', 'is_subagent__bad_kind', 'line_text', 'is_subagent') }}, 40)
            when 'cache_write_split_mismatch'
                then '{{ split_5m }} ' || coalesce(cast({{ split_5m }}__value as string), 'null')
                    || ' + {{ split_1h }} ' || coalesce(cast({{ split_1h }}__value as string), 'null')
                    || ' <> {{ split_total }} ' || coalesce(cast(case when {{ split_total }}__value >= 0 then {{ split_total }}__value end as string), 'null')
            else case
                    {%- for field in integer_fields if field.experiment_reads %}
                    when {{ field.name }}__bad_kind is not null
                        then {{ integer_issue(field.name ~ '__bad_kind', number_as_written(field.name ~ '__raw', field.name ~ '__bad_kind', 'line_text', field.name), 'problem') }}
                    {%- endfor %}
                end
        end as rejection_problem
    from lines_checked

),

final as (

    select
        source_file,
        line_number,
        is_blank,
        rejection_reason,
        case when rejection_reason is not null then rejection_field end as rejection_field,
        case when rejection_reason is not null then rejection_problem end as rejection_problem,
        case when rejection_reason is not null then left(line_as_written, 200) end as line_excerpt,
        {%- for field in text_fields %}
        case
            when rejection_reason is null and not is_blank
                then {% if field.experiment_reads %}{{ json_string_value(field.name ~ '__raw') }}{% else %}{{ json_text_field('step', field.name) }}{% endif %}
        end as {{ adapter.quote(field.name) if field.name == 'user' else field.name }},
        {%- endfor %}
        {%- for field in integer_fields %}
        case when rejection_reason is null and not is_blank and {{ field.name }}__value >= 0 then {{ field.name }}__value end as {{ field.name }},
        {%- endfor %}
        {%- for field in boolean_fields %}
        case when rejection_reason is null and not is_blank then {{ field.name }}__raw = 'true' end as {{ field.name }},
        {%- endfor %}
        case when rejection_reason is null and not is_blank then {{ json_string_value('first_event_type__raw') }} end as first_timing_event_type,
        case when rejection_reason is null and not is_blank then cast(coalesce(timing_events__length, 0) as bigint) end as timing_event_count,
        case when rejection_reason is null and not is_blank then cast(coalesce(tools__length, 0) as bigint) end as tool_call_count,
        {#- Warnings: bad values that no output reads. The line is kept; the value reads as NULL. #}
        {%- for field in integer_fields if not field.experiment_reads %}
        case
            when rejection_reason is null and {{ field.name }}__bad_kind is not null
                then {{ integer_issue(field.name ~ '__bad_kind', field.name ~ '__raw', 'reason') }}
        end as {{ field.name }}__warning,
        case
            when rejection_reason is null and {{ field.name }}__bad_kind is not null
                then {{ integer_issue(field.name ~ '__bad_kind', number_as_written(field.name ~ '__raw', field.name ~ '__bad_kind', 'line_text', field.name), 'problem') }}
        end as {{ field.name }}__problem,
        {%- endfor %}
        case
            when rejection_reason is null and tools__kind not in ('array', 'null') then 'expected a list, got ' || tools__kind
        end as tools__problem,
        case when rejection_reason is null and first_non_object_event > 1 then first_non_object_event - 1 end as later_non_object_event_index,
        case when rejection_reason is null then coalesce(unparseable_timestamp_count, 0) else 0 end as unparseable_timestamp_count,
        {#- which timestamp, only for the few lines with one (a CASE runs its branch for those) #}
        case
            when rejection_reason is null and unparseable_timestamp_count > 0
                then {{ unparseable_timestamps('step', 'first_index') }}
        end as first_unparseable_timestamp_index,
        case
            when rejection_reason is null and unparseable_timestamp_count > 0
                then {{ unparseable_timestamps('step', 'first_text') }}
        end as first_unparseable_timestamp
    from lines_explained

)

select * from final
{%- if trace_reader() == 'fast' %}
where {{ fast_reader_guard() }}
{%- endif %}
