"""Write the steps of raw agent logs as normalized JSONL (TraceLab's format, SPEC section 2).

`make normalize CLAUDE_LOGS=... CODEX_LOGS=... NORMALIZED=steps.jsonl.gz` builds the agent-log
models with dbt, then calls this script. It only serializes rows it reads from three typed models
of that build -- nothing is computed here:

* ``int_agent_log_steps_kept``: one row per step, the scalar fields;
* ``int_timing_events_unioned``: one row per timing event, in order; its ``event_keys`` column
  says which optional keys the event carries (docs/raw_logs_rules.md R7.2);
* ``int_tool_calls_unioned``: one row per tool call, in order.

One step per line, compact JSON (UTF-8, non-ASCII as is, LF line ends), fields in the order of
R11.1; ``.gz`` compresses. Tool inputs are written (key ``input``) only with --include-content,
which also needs the build to have kept them (INCLUDE_CONTENT=1). The file reads back with
``make run TRACE=<file>``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from trace_atlas import outputs

BATCH = 20_000
# (JSON key, column of int_agent_log_steps_kept); None marks where the lists go.
STEP_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("provider", "provider"),
    ("project", "project"),
    ("session_id", "session_id"),
    ("session_file", "session_file"),
    ("round_index", "round_index"),
    ("round_id", "source_round_id"),
    ("turn_id", "source_turn_id"),
    ("trace_key", "source_trace_key"),
    ("model", "model"),
    ("cwd", "cwd"),
    ("store", "store"),
    ("home", "home"),
    ("user", "user_name"),
    ("input_tokens_total", "input_tokens_total"),
    ("prefix_tokens", "prefix_tokens"),
    ("newly_append_tokens", "newly_append_tokens"),
    ("claude_uncached_input_tokens", "claude_uncached_input_tokens"),
    ("claude_cache_creation_input_tokens", "claude_cache_creation_input_tokens"),
    ("claude_cache_read_input_tokens", "claude_cache_read_input_tokens"),
    ("output_tokens", "output_tokens"),
    ("reasoning_output_tokens", "reasoning_output_tokens"),
    ("timing_events", None),
    ("tools", None),
    ("current_input_event_count", "current_input_event_count"),
    ("current_user_message_count", "current_user_message_count"),
    ("current_tool_result_count", "current_tool_result_count"),
    ("current_user_message_chars", "current_user_message_chars"),
    ("current_tool_result_chars", "current_tool_result_chars"),
    ("current_input_chars", "current_input_chars"),
    ("first_input_event_type", "first_input_event_type"),
    ("is_subagent", "is_subagent"),
    ("source_file", "source_file"),
    ("source_line", "source_line_number"),
)
EVENT_COLUMNS = (
    "step_id",
    "event_type",
    "timestamp_text",
    "source",
    "tool_call_id",
    "tool_name",
    "tool_index",
    "is_error",
    "result_chars",
    "content_chars",
    "event_keys",
)
TOOL_FIELDS = (
    "tool_index",
    "tool_name",
    "tool_call_id",
    "emitted_at",
    "result_at",
    "tool_wall_latency_ms",
    "tool_internal_latency_ms",
    "is_error",
    "input_chars",
    "result_chars",
)
MODELS = ("int_agent_log_steps_kept", "int_timing_events_unioned", "int_tool_calls_unioned")


class ExportError(Exception):
    """A problem the user can fix; printed without a traceback."""


def relations(manifest: dict) -> dict[str, tuple[str, str]]:
    """(schema, table) of the three models in the build's manifest."""
    found = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in MODELS:
            found[node["name"]] = (node["schema"], node.get("alias") or node["name"])
    missing = [name for name in MODELS if name not in found]
    if missing:
        raise ExportError(
            f"the build has no {', '.join(missing)}: build with TRACE_ATLAS_INPUT=agent_logs first"
        )
    return found


def batches(reader: outputs.MartReader, relation: tuple[str, str], columns, order):
    """Rows of a model in order, as dicts, streamed in batches."""
    select = ", ".join(f'"{column}"' for column in columns)
    query = (
        f"select {select} from {reader.relation(*relation)} "
        f"order by {', '.join(f'{column}' for column in order)}"
    )
    cursor = reader.connection.execute(query)
    while rows := cursor.fetchmany(BATCH):
        for row in rows:
            yield dict(zip(columns, row, strict=True))


def grouped(rows: Iterator[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Consecutive rows of one step_id, as (step_id, rows)."""
    current: int | None = None
    members: list[dict[str, Any]] = []
    for row in rows:
        if row["step_id"] != current:
            if current is not None:
                yield current, members
            current, members = row["step_id"], []
        members.append(row)
    if current is not None:
        yield current, members


def event_object(row: dict[str, Any]) -> dict[str, Any]:
    """A timing event with exactly the keys its row says it carries."""
    event = {"event_type": row["event_type"], "timestamp": row["timestamp_text"]}
    event["source"] = row["source"]
    for key in filter(None, (row["event_keys"] or "").split(",")):
        event[key] = row[key]
    return event


def tool_object(row: dict[str, Any], include_content: bool) -> dict[str, Any]:
    tool = {key: row[key] for key in TOOL_FIELDS}
    if include_content:
        tool["input"] = None if row["tool_input"] is None else json.loads(row["tool_input"])
    return tool


def steps(
    reader: outputs.MartReader, found: dict[str, tuple[str, str]], include_content: bool
) -> Iterator[dict[str, Any]]:
    step_columns = ["step_id"] + [column for _, column in STEP_FIELDS if column]
    tool_columns = ["step_id", *TOOL_FIELDS, "tool_input"]
    events = grouped(batches(reader, found[MODELS[1]], EVENT_COLUMNS, ["step_id", "event_index"]))
    tools = grouped(batches(reader, found[MODELS[2]], tool_columns, ["step_id", "tool_index"]))
    next_events, next_tools = next(events, None), next(tools, None)
    for row in batches(reader, found[MODELS[0]], step_columns, ["step_id"]):
        step_events: list[dict[str, Any]] = []
        step_tools: list[dict[str, Any]] = []
        if next_events and next_events[0] == row["step_id"]:
            step_events = [event_object(event) for event in next_events[1]]
            next_events = next(events, None)
        if next_tools and next_tools[0] == row["step_id"]:
            step_tools = [tool_object(tool, include_content) for tool in next_tools[1]]
            next_tools = next(tools, None)
        lists = {"timing_events": step_events, "tools": step_tools}
        yield {key: row[column] if column else lists[key] for key, column in STEP_FIELDS}


def open_text(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8", newline="\n")  # type: ignore[return-value]
    return open(path, "w", encoding="utf-8", newline="\n")


def write(args: argparse.Namespace) -> int:
    """Write the file (into a temporary sibling, renamed at the end); return the steps."""
    manifest = outputs.read_manifest(args.manifest)
    found = relations(manifest)
    reader = outputs.MartReader(args.engine, args.database, args.spark_dir)
    target = args.output.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    count = 0
    try:
        with open_text(temporary) as out:
            for step in steps(reader, found, args.include_content):
                out.write(json.dumps(step, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                count += 1
        os.replace(temporary, target)
    finally:
        reader.close()
        temporary.unlink(missing_ok=True)
    return count


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Write the steps of the last agent-log build (TRACE_ATLAS_INPUT=agent_logs) as "
            "normalized JSONL, one step per line, readable with `make run TRACE=<file>`."
        )
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="file (.jsonl[.gz])")
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(os.environ.get("TRACE_ATLAS_DB", "target/trace_atlas.duckdb")),
        help="the DuckDB file dbt built (default: $TRACE_ATLAS_DB or target/trace_atlas.duckdb)",
    )
    parser.add_argument(
        "--manifest", type=Path, default=Path("target/manifest.json"), help="dbt's manifest"
    )
    parser.add_argument("--engine", choices=outputs.ENGINES, default="duckdb")
    parser.add_argument(
        "--spark-dir",
        type=Path,
        default=Path(os.environ.get("TRACE_ATLAS_SPARK_DIR", "target/spark")),
        help="the Spark engine's folder, holding warehouse/ (default: target/spark)",
    )
    parser.add_argument(
        "--include-content",
        action="store_true",
        help="write each tool call's raw input (key `input`); the build must have kept them "
        "(INCLUDE_CONTENT=1)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        count = write(args)
    except (ExportError, outputs.OutputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"wrote {count:,} steps to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
