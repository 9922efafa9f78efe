{#- Raw agent logs (input agent_logs, docs/raw_logs_rules.md): which folders are read, and the
    expression helpers that read a log record's JSON. A record is parsed once per line
    (parse_agent_log_line); the helpers then read one value at a path of it: its JSON text
    (log_json), the text of a JSON string (log_string) or its character size (log_size, rule
    R4.1). DuckDB parses into a struct of the needed paths only (agent_log_structure); Spark into
    a VARIANT. Everything else in the agent-log models is plain SQL on those values. -#}


{% macro agent_log_folders(agent) -%}
    {#- The folders of one agent the run reads, as a Jinja list of paths without a trailing
        slash: Claude Code projects folders, or Codex session folders (sessions, and
        archived_sessions when it exists). From var claude_logs / codex_logs or the environment
        (TRACE_ATLAS_CLAUDE_LOGS / TRACE_ATLAS_CODEX_LOGS), comma-separated. -#}
    {%- set setting = var(agent ~ '_logs', env_var('TRACE_ATLAS_' ~ agent | upper ~ '_LOGS', '')) | string -%}
    {%- set folders = [] -%}
    {%- for folder in setting.split(',') if folder | trim -%}
        {%- set path = (folder | trim).rstrip('/') -%}
        {%- do folders.append(path if path else '/') -%}
    {%- endfor -%}
    {{ return(folders) }}
{%- endmacro %}


{% macro agent_log_roots() -%}
    {#- One dict per folder read: agent, the root's number (R1.7: Claude roots in the order
        given; a Codex root is the Codex home, the folder that holds sessions/ and
        archived_sessions/), the folder and the base its files' relative paths start from. -#}
    {%- set roots = [] -%}
    {%- for folder in agent_log_folders('claude') -%}
        {%- do roots.append({'agent': 'claude', 'number': loop.index, 'folder': folder, 'base': folder}) -%}
    {%- endfor -%}
    {%- set homes = [] -%}
    {%- for folder in agent_log_folders('codex') -%}
        {%- set home = folder.rsplit('/', 1)[0] or '/' -%}
        {%- if home not in homes -%}{%- do homes.append(home) -%}{%- endif -%}
        {%- do roots.append({'agent': 'codex', 'number': homes.index(home) + 1, 'folder': folder, 'base': home}) -%}
    {%- endfor -%}
    {{ return(roots) }}
{%- endmacro %}


{% macro include_content() -%}
    {#- True when tool inputs are kept for the normalized export (INCLUDE_CONTENT=1). -#}
    {{ return((var('include_content', env_var('TRACE_ATLAS_INCLUDE_CONTENT', '0')) | string | trim | lower) in ['1', 'true', 'yes']) }}
{%- endmacro %}


{% macro agent_log_structure() -%}
    {#- DuckDB: the paths a log record is read at, for from_json. Leaves are JSON (their text),
        or VARCHAR where only the size is needed (a string arrives unescaped, anything else as
        its compact JSON text, so its length is the size either way, with no second pass; see
        log_text_size); everything else in a line is parsed but never copied. -#}
    {%- set sized = 'JSON' if include_content() else 'VARCHAR' -%}
    {{ return('{"type":"JSON","timestamp":"JSON","isSidechain":"JSON","agentId":"JSON","requestId":"JSON","sessionId":"JSON",'
        ~ '"toolUseResult":{"durationMs":"JSON","duration_ms":"JSON","durationSeconds":"JSON","duration_seconds":"JSON"},'
        ~ '"message":{"role":"JSON","id":"JSON","model":"JSON","stop_reason":"JSON","content":"JSON",'
        ~ '"usage":{"input_tokens":"JSON","cache_creation_input_tokens":"JSON","cache_read_input_tokens":"JSON","output_tokens":"JSON",'
        ~ '"cache_creation":{"ephemeral_5m_input_tokens":"JSON","ephemeral_1h_input_tokens":"JSON"}}},'
        ~ '"payload":{"type":"JSON","id":"JSON","cwd":"JSON","turn_id":"JSON","model":"JSON","role":"JSON","call_id":"JSON",'
        ~ '"name":"JSON","forked_from_id":"JSON","source":{"subagent":{"thread_spawn":{"parent_thread_id":"JSON"}}},'
        ~ '"message":"VARCHAR","content":"VARCHAR","arguments":"' ~ sized ~ '","input":"' ~ sized ~ '","output":"JSON","aggregated_output":"JSON",'
        ~ '"exit_code":"JSON","stdout":"JSON","stderr":"JSON","success":"JSON","info":"JSON"}}') }}
{%- endmacro %}


{% macro parse_agent_log_line(line_text) -%}
    {{ return(adapter.dispatch('parse_agent_log_line', 'trace_atlas')(line_text)) }}
{%- endmacro %}

{% macro duckdb__parse_agent_log_line(line_text) -%}
    {#- The needed paths as a struct; NULL when the line is not JSON (or is JSON null). -#}
    try(from_json({{ line_text }}, '{{ agent_log_structure() }}'))
{%- endmacro %}

{% macro spark__parse_agent_log_line(line_text) -%}
    -- Spark: the whole record as a VARIANT (any path can be read; NULL when not JSON)
    try_parse_json({{ line_text }})
{%- endmacro %}


{% macro log_json(doc, path) -%}
    {{ return(adapter.dispatch('log_json', 'trace_atlas')(doc, path)) }}
{%- endmacro %}

{% macro duckdb__log_json(doc, path) -%}
    {#- The compact JSON text of the value at a dotted path; NULL when absent or null. -#}
    cast({{ doc }}{% for key in path.split('.') %}."{{ key }}"{% endfor %} as varchar)
{%- endmacro %}

{% macro spark__log_json(doc, path) -%}
    -- the VARIANT's JSON text (object keys sorted, which changes no size)
    case
        when not is_variant_null(variant_get({{ doc }}, '$.{{ path }}')) then to_json(variant_get({{ doc }}, '$.{{ path }}'))
    end
{%- endmacro %}


{% macro log_string(doc, path) -%}
    {{ return(adapter.dispatch('log_string', 'trace_atlas')(doc, path)) }}
{%- endmacro %}

{% macro duckdb__log_string(doc, path) -%}
    {#- The text of a JSON string at the path (escapes undone); NULL for any other value. -#}
    case
        when left({{ log_json(doc, path) }}, 1) = '"' then json_extract_string({{ log_json(doc, path) }}, '$')
    end
{%- endmacro %}

{% macro spark__log_string(doc, path) -%}
    case
        when schema_of_variant(variant_get({{ doc }}, '$.{{ path }}')) = 'STRING'
            then variant_get({{ doc }}, '$.{{ path }}', 'string')
    end
{%- endmacro %}


{% macro log_size(doc, path) -%}
    {{ return(adapter.dispatch('log_size', 'trace_atlas')(doc, path)) }}
{%- endmacro %}

{% macro duckdb__log_size(doc, path) -%}
    {#- R4.1: a string's code points; any other value's compact JSON size; NULL for null. -#}
    case
        when left({{ log_json(doc, path) }}, 1) = '"' then length(json_extract_string({{ log_json(doc, path) }}, '$'))
        else length({{ log_json(doc, path) }})
    end
{%- endmacro %}

{% macro spark__log_size(doc, path) -%}
    case
        when schema_of_variant(variant_get({{ doc }}, '$.{{ path }}')) = 'STRING'
            then char_length(variant_get({{ doc }}, '$.{{ path }}', 'string'))
        else char_length({{ log_json(doc, path) }})
    end
{%- endmacro %}


{% macro log_text_size(doc, path) -%}
    {{ return(adapter.dispatch('log_text_size', 'trace_atlas')(doc, path)) }}
{%- endmacro %}

{% macro duckdb__log_text_size(doc, path) -%}
    {#- R4.1 size of a value read as VARCHAR (agent_log_structure): a string arrives unescaped,
        anything else as its compact JSON text, so its length is the size either way. -#}
    length(cast({{ doc }}{% for key in path.split('.') %}."{{ key }}"{% endfor %} as varchar))
{%- endmacro %}

{% macro spark__log_text_size(doc, path) -%}
    -- the VARIANT knows the type: the same as log_size
    {{ spark__log_size(doc, path) }}
{%- endmacro %}


{% macro claude_content_blocks(doc) -%}
    {{ return(adapter.dispatch('claude_content_blocks', 'trace_atlas')(doc)) }}
{%- endmacro %}

{% macro duckdb__claude_content_blocks(doc) -%}
    {#- A Claude message.content list, one struct of facts per block (R5.3, R5.6): sizes, ids,
        names and flags, never the text. The list's JSON is parsed a second time here, for
        list contents only. -#}
    list_transform(
        from_json(
            {{ log_json(doc, 'message.content') }},
            '[{"type":"JSON","id":"JSON","name":"JSON","input":"{{ 'JSON' if include_content() else 'VARCHAR' }}","text":"VARCHAR","thinking":"VARCHAR","tool_use_id":"JSON","content":"VARCHAR","is_error":"JSON"}]'
        ),
        lambda block: struct_pack(
            block_type := {{ log_string('block', 'type') }},
            tool_id := {{ log_string('block', 'id') }},
            tool_name := {{ log_string('block', 'name') }},
            input_chars := {{ log_size('block', 'input') if include_content() else log_text_size('block', 'input') }},
            input_json := {{ log_json('block', 'input') if include_content() else 'cast(null as varchar)' }},
            thinking_chars := {{ log_text_size('block', 'thinking') }},
            text_chars := {{ log_text_size('block', 'text') }},
            result_call_id := {{ log_string('block', 'tool_use_id') }},
            result_chars := {{ log_text_size('block', 'content') }},
            result_is_error := coalesce({{ log_json('block', 'is_error') }} = 'true', false)
        )
    )
{%- endmacro %}

{% macro spark__claude_content_blocks(doc) -%}
    -- Spark: the same facts from the VARIANT's array, built with named_struct
    transform(
        try_variant_get({{ doc }}, '$.message.content', 'array<variant>'),
        block -> named_struct(
            'block_type', {{ log_string('block', 'type') }},
            'tool_id', {{ log_string('block', 'id') }},
            'tool_name', {{ log_string('block', 'name') }},
            'input_chars', cast({{ log_size('block', 'input') }} as bigint),
            'input_json', {{ log_json('block', 'input') if include_content() else 'cast(null as string)' }},
            'thinking_chars', cast({{ log_size('block', 'thinking') }} as bigint),
            'text_chars', cast({{ log_size('block', 'text') }} as bigint),
            'result_call_id', {{ log_string('block', 'tool_use_id') }},
            'result_chars', cast({{ log_size('block', 'content') }} as bigint),
            'result_is_error', coalesce({{ log_json('block', 'is_error') }} = 'true', false)
        )
    )
{%- endmacro %}


{% macro explode_with_index(list, index_name, value_name) -%}
    {{ return(adapter.dispatch('explode_with_index', 'trace_atlas')(list, index_name, value_name)) }}
{%- endmacro %}

{% macro duckdb__explode_with_index(list, index_name, value_name) -%}
    {#- Select-list items: one row per element of a list, with its 0-based position. -#}
    unnest({{ list }}) as {{ value_name }},
    generate_subscripts({{ list }}, 1) - 1 as {{ index_name }}
{%- endmacro %}

{% macro spark__explode_with_index(list, index_name, value_name) -%}
    posexplode({{ list }}) as ({{ index_name }}, {{ value_name }})
{%- endmacro %}


{% macro regex_test(text, pattern) -%}
    {{ return(adapter.dispatch('regex_test', 'trace_atlas')(text, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_test(text, pattern) -%}
    {#- True when the pattern matches somewhere in the text (anchor it to match all). -#}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_test(text, pattern) -%}
    ({{ text }} rlike '{{ pattern }}')
{%- endmacro %}


{% macro octets(text) -%}
    {{ return(adapter.dispatch('octets', 'trace_atlas')(text)) }}
{%- endmacro %}

{% macro duckdb__octets(text) -%}
    {#- The UTF-8 byte length of a text (0 for NULL). -#}
    coalesce(strlen({{ text }}), 0)
{%- endmacro %}

{% macro spark__octets(text) -%}
    coalesce(octet_length({{ text }}), 0)
{%- endmacro %}


{% macro round_half_even(value) -%}
    {{ return(adapter.dispatch('round_half_even', 'trace_atlas')(value)) }}
{%- endmacro %}

{% macro duckdb__round_half_even(value) -%}
    {#- R4.4: a double rounded to the nearest integer, ties to the even one, as BIGINT. -#}
    cast(round_even({{ value }}, 0) as bigint)
{%- endmacro %}

{% macro spark__round_half_even(value) -%}
    cast(bround({{ value }}, 0) as bigint)
{%- endmacro %}


{% macro instant_us(text) -%}
    {{ return(adapter.dispatch('instant_us', 'trace_atlas')(text)) }}
{%- endmacro %}

{% macro default__instant_us(text) -%}
    {#- R4.3: microseconds since 1970 of YYYY-MM-DDTHH:MM:SS[.fraction](Z|+-HH:MM) (fraction
        digits past 6 dropped, the offset subtracted); NULL for any other text or a date that
        does not exist. -#}
    case
        when {{ regex_test(text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\\z') }}
            and left({{ text }}, 4) <> '0000'
            then {{ epoch_us_of(text) }}
            + cast(rpad(left(regexp_extract({{ text }}, '[.]([0-9]+)', 1), 6), 6, '0') as bigint)
            - case
                when right({{ text }}, 1) = 'Z' then 0
                else (case when substr({{ text }}, -6, 1) = '+' then 1 else -1 end)
                    * (cast(substr({{ text }}, -5, 2) as bigint) * 3600 + cast(substr({{ text }}, -2, 2) as bigint) * 60) * 1000000
            end
    end
{%- endmacro %}


{% macro epoch_us_of(text) -%}
    {{ return(adapter.dispatch('epoch_us_of', 'trace_atlas')(text)) }}
{%- endmacro %}

{% macro duckdb__epoch_us_of(text) -%}
    {#- Microseconds since 1970 of the text's date and whole seconds, read as UTC. -#}
    epoch_us(try_cast(substr({{ text }}, 1, 10) || ' ' || substr({{ text }}, 12, 8) as timestamp))
{%- endmacro %}

{% macro spark__epoch_us_of(text) -%}
    -- the session time zone is UTC (profile), so the text is read as UTC
    unix_micros(try_to_timestamp(substr({{ text }}, 1, 10) || ' ' || substr({{ text }}, 12, 8), 'yyyy-MM-dd HH:mm:ss'))
{%- endmacro %}


{% macro json_integer(json_text) -%}
    {#- A JSON integer's value (R4.2: not 12.0, not a string, not a boolean); NULL otherwise. -#}
    case when {{ regex_test(json_text, '^-?[0-9]+\\z') }} then try_cast({{ json_text }} as bigint) end
{%- endmacro %}


{% macro json_number(json_text) -%}
    {#- A JSON number (integer or not, never a boolean or a string) as a double; NULL otherwise. -#}
    case when {{ regex_test(json_text, '^-?[0-9]') }} then try_cast({{ json_text }} as double) end
{%- endmacro %}


{% macro json_at(json_text, path) -%}
    {{ return(adapter.dispatch('json_at', 'trace_atlas')(json_text, path)) }}
{%- endmacro %}

{% macro duckdb__json_at(json_text, path) -%}
    {#- The JSON text of the value at a path ('$.a.b') of a small JSON text; NULL when absent
        or null, or when the text is not JSON. -#}
    nullif(cast(try(json_extract({{ json_text }}, '{{ path }}')) as varchar), 'null')
{%- endmacro %}

{% macro spark__json_at(json_text, path) -%}
    case
        when not is_variant_null(variant_get(try_parse_json({{ json_text }}), '{{ path }}'))
            then to_json(variant_get(try_parse_json({{ json_text }}), '{{ path }}'))
    end
{%- endmacro %}


{% macro json_canonical(json_text) -%}
    {{ return(adapter.dispatch('json_canonical', 'trace_atlas')(json_text)) }}
{%- endmacro %}

{% macro duckdb__json_canonical(json_text) -%}
    {#- R6.7: an object's text with its keys sorted, so that two totals compare equal when
        their keys and values are. -#}
    cast(list_sort(map_entries(json_transform({{ json_text }}, '"MAP(VARCHAR, JSON)"'))) as varchar)
{%- endmacro %}

{% macro spark__json_canonical(json_text) -%}
    -- a VARIANT keeps object keys sorted, so its JSON text is already canonical
    to_json(try_parse_json({{ json_text }}))
{%- endmacro %}


{% macro json_object_error(json_text) -%}
    {{ return(adapter.dispatch('json_object_error', 'trace_atlas')(json_text)) }}
{%- endmacro %}

{% macro duckdb__json_object_error(json_text) -%}
    {#- R6.6 E(v), its first part: for a JSON object's text, metadata.exit_code != 0 when an
        integer, else not success when a boolean; NULL when neither, or not an object. -#}
    case
        when {{ regex_test(json_text, '^[ \\t\\n\\r]*[{]') }} and coalesce(try(json_type({{ json_text }})) = 'OBJECT', false)
            then coalesce(
                {{ json_integer(json_at(json_text, '$.metadata.exit_code')) }} <> 0,
                case {{ json_at(json_text, '$.success') }} when 'true' then false when 'false' then true end
            )
    end
{%- endmacro %}

{% macro spark__json_object_error(json_text) -%}
    case
        when schema_of_variant(try_parse_json({{ json_text }})) like 'OBJECT%'
            then coalesce(
                {{ json_integer(json_at(json_text, '$.metadata.exit_code')) }} <> 0,
                case {{ json_at(json_text, '$.success') }} when 'true' then false when 'false' then true end
            )
    end
{%- endmacro %}


{% macro json_is_valid(text) -%}
    {{ return(adapter.dispatch('json_is_valid', 'trace_atlas')(text)) }}
{%- endmacro %}

{% macro duckdb__json_is_valid(text) -%}
    {#- True when the text is one JSON value (used only for lines that did not parse as a record). -#}
    coalesce(json_valid({{ text }}), false)
{%- endmacro %}

{% macro spark__json_is_valid(text) -%}
    (try_parse_json({{ text }}) is not null)
{%- endmacro %}


{% macro log_is_object(doc, path, line_text) -%}
    {{ return(adapter.dispatch('log_is_object', 'trace_atlas')(doc, path, line_text)) }}
{%- endmacro %}

{% macro duckdb__log_is_object(doc, path, line_text) -%}
    {#- True when the value at the path is a JSON object. The parsed struct cannot tell an
        object from a string there, so an object without a `type` key is confirmed on the line
        itself (a second parse, for those rare records only). -#}
    case
        when {{ log_json(doc, path ~ '.type') }} is not null then true
        else coalesce(try(json_type({{ line_text }}, '$.{{ path }}')) = 'OBJECT', false)
    end
{%- endmacro %}

{% macro spark__log_is_object(doc, path, line_text) -%}
    coalesce(schema_of_variant(variant_get({{ doc }}, '$.{{ path }}')) like 'OBJECT%', false)
{%- endmacro %}


{% macro restore_agent_log_reader_rejects() -%}
    {{ return(adapter.dispatch('restore_agent_log_reader_rejects', 'trace_atlas')()) }}
{%- endmacro %}

{% macro default__restore_agent_log_reader_rejects() -%}
    select 1
{%- endmacro %}

{% macro duckdb__restore_agent_log_reader_rejects() -%}
    {#- Post-hook of stg_agent_logs__lines, on the connection that scanned the logs: the lines
        DuckDB's reader skipped (not UTF-8, too long) are put back with their reason, and the
        later lines of their file move down to their physical line number (a grown file holds
        no such line before the ones read now: the runner reads it whole then). Nothing happens
        when nothing was skipped, nor when the plan read no file. -#}
    {%- if agent_log_plan() and agent_log_files_to_read() | length + agent_log_files_grown() | length == 0 %}
    select 1
    {%- else %}
    create or replace temporary table agent_log_reader_skipped as
    select
        source_path,
        line_number,
        reader_problem,
        row_number() over (partition by source_path order by line_number) as skipped_rank
    from (
        select
            scans.file_path as source_path,
            rejects.line as line_number,
            min(case rejects.error_type
                when 'INVALID ENCODING' then 'not_utf8'
                when 'LINE SIZE OVER MAXIMUM' then 'line_too_long'
                else 'not_json'
            end) as reader_problem
        from trace_reader_rejects as rejects
        inner join trace_reader_scans as scans
            on rejects.scan_id = scans.scan_id and rejects.file_id = scans.file_id
        group by scans.file_path, rejects.line
    );

    update {{ this }} as kept
    set line_number = kept.line_number + (
        select count(*) from agent_log_reader_skipped as skipped
        where skipped.source_path = kept.source_path and skipped.line_number - skipped.skipped_rank < kept.line_number
    )
    where kept.source_path in (select skipped.source_path from agent_log_reader_skipped as skipped);

    insert into {{ this }} (source_path, agent, line_number, line_octets, is_blank, reader_problem)
    select
        skipped.source_path,
        files.agent,
        skipped.line_number,
        null,
        false,
        skipped.reader_problem
    from agent_log_reader_skipped as skipped
    inner join {{ ref('stg_agent_logs__files') }} as files
        on skipped.source_path = files.source_path
    {%- endif %}
{%- endmacro %}


{% macro last_non_null(value) -%}
    {{ return(adapter.dispatch('last_non_null', 'trace_atlas')(value)) }}
{%- endmacro %}

{% macro duckdb__last_non_null(value) -%}
    {#- A window function (followed by its over clause): the last non-null value of the frame. -#}
    last_value({{ value }} ignore nulls)
{%- endmacro %}

{% macro spark__last_non_null(value) -%}
    -- Spark takes "ignore nulls" as the function's second argument
    last_value({{ value }}, true)
{%- endmacro %}
