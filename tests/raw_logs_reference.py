"""Reference implementation of docs/raw_logs_rules.md: raw Claude Code and Codex CLI session logs
turned into the normalized agent steps of SPEC section 2, in plain Python (standard library only).

It is the independent yardstick for the SQL reading of raw logs: written from the rules document,
not from any SQL, and checked against the 19 steps TraceLab published for its example sessions
(third_party/tracelab). Comments cite the rules as [Rn.m].

    normalize(claude_roots, codex_roots, include_content=False) -> Result
        Result.steps       kept steps, in step order (dicts with every SPEC 2 field)
        Result.set_aside   steps set aside as duplicates, each with `set_aside_reason`
        Result.audit       per agent: every raw line accounted for, plus the skip counters
        Result.rejections  bad lines (file, line, reason, problem); the caller decides

Command line (writes TraceLab-format normalized JSONL that `make run TRACE=...` reads):

    python tests/raw_logs_reference.py --claude ~/.claude/projects --codex ~/.codex -o steps.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

CLAUDE = "claude"
CODEX = "codex"
SYNTHETIC = "<synthetic>"
UTF8_BOM = b"\xef\xbb\xbf"
COMPACT = (",", ":")
INPUT_EVENT_TYPES = ("user_message", "tool_result")

# [R3.2] Claude record types that carry no step data (counted as bookkeeping when ignored).
CLAUDE_BOOKKEEPING = frozenset(
    {
        "mode",
        "permission-mode",
        "file-history-snapshot",
        "attachment",
        "ai-title",
        "last-prompt",
        "custom-title",
        "agent-name",
        "summary",
        "system",
    }
)
# [R3.3] Codex (type, payload.type) pairs the step rules read, and the known ones they do not.
CODEX_READ = {
    "response_item": frozenset(
        {
            "message",
            "reasoning",
            "function_call",
            "custom_tool_call",
            "function_call_output",
            "custom_tool_call_output",
        }
    ),
    "event_msg": frozenset(
        {"user_message", "token_count", "task_started", "exec_command_end", "patch_apply_end"}
    ),
}
CODEX_BOOKKEEPING = {
    "response_item": frozenset({"web_search_call", "local_shell_call"}),
    "event_msg": frozenset(
        {
            "agent_message",
            "agent_reasoning",
            "task_complete",
            "turn_aborted",
            "context_compacted",
            "exec_command_begin",
            "patch_apply_begin",
            "turn_diff",
            "mcp_tool_call_begin",
            "mcp_tool_call_end",
            "web_search_begin",
            "web_search_end",
        }
    ),
}
CODEX_BOOKKEEPING_TYPES = frozenset({"compacted"})

TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})"
)
WALL_TIME = re.compile(r"Wall time: ([0-9]+(?:\.[0-9]+)?) seconds")
EXIT_CODE = re.compile(r"(?:Process exited with code|Exit code:)\s*(-?[0-9]+)")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Order of the fields of an output step [R11.1].
STEP_FIELDS = (
    "provider",
    "project",
    "session_id",
    "session_file",
    "round_index",
    "round_id",
    "turn_id",
    "trace_key",
    "model",
    "cwd",
    "store",
    "home",
    "user",
    "input_tokens_total",
    "prefix_tokens",
    "newly_append_tokens",
    "claude_uncached_input_tokens",
    "claude_cache_creation_input_tokens",
    "claude_cache_read_input_tokens",
    "claude_cache_creation_5m_input_tokens",
    "claude_cache_creation_1h_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "timing_events",
    "tools",
    "current_input_event_count",
    "current_user_message_count",
    "current_tool_result_count",
    "current_user_message_chars",
    "current_tool_result_chars",
    "current_input_chars",
    "first_input_event_type",
    "is_subagent",
    "source_file",
    "source_line",
)

Event = dict[str, Any]
Record = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Results: rejections, audit
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """A bad line [R2.4]: where it is and why; its content is never repeated."""

    file: str
    line: int
    reason: str
    problem: str


# [R10.2] the fixed keys of each agent's audit counters (zeros are reported too).
AUDIT_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    CLAUDE: {
        "set_aside": ("btw_replay", "fork_copy"),
        "skipped": ("synthetic_records", "assistant_records_without_id"),
        "token_counts": (),
        "dropped_events": ("dangling_inputs",),
        "tools": ("repeated_call_id", "result_for_unknown_id", "repeated_result"),
    },
    CODEX: {
        "set_aside": (
            "archived_duplicate_file",
            "duplicate_file",
            "codex_subagent_replay",
            "codex_fork_replay",
        ),
        "skipped": (),
        "token_counts": ("accepted", "unchanged_total", "info_null", "usage_missing"),
        "dropped_events": ("dangling_inputs", "dangling_outputs"),
        "tools": ("repeated_call_id", "result_for_unknown_id", "repeated_result"),
    },
}


@dataclass
class AgentAudit:
    """Every raw line of one agent, accounted for [R10]."""

    agent: str
    files: int = 0
    lines_read: int = 0
    lines_used: int = 0
    lines_blank: int = 0
    lines_bad: int = 0
    lines_truncated_last: int = 0
    ignored_bookkeeping: Counter[str] = field(default_factory=Counter)
    ignored_unknown: Counter[str] = field(default_factory=Counter)
    steps_formed: int = 0
    steps_kept: int = 0
    set_aside: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    token_counts: Counter[str] = field(default_factory=Counter)
    dropped_events: Counter[str] = field(default_factory=Counter)
    tools: Counter[str] = field(default_factory=Counter)

    def counters(self, name: str) -> dict[str, int]:
        counter: Counter[str] = getattr(self, name)
        keys = AUDIT_KEYS[self.agent][name]
        return {key: counter[key] for key in keys} | {
            key: counter[key] for key in sorted(counter) if key not in keys
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "lines": {
                "read": self.lines_read,
                "used": self.lines_used,
                "ignored_bookkeeping": dict(sorted(self.ignored_bookkeeping.items())),
                "ignored_unknown": dict(sorted(self.ignored_unknown.items())),
                "bad": self.lines_bad,
                "truncated_last_line": self.lines_truncated_last,
                "blank": self.lines_blank,
            },
            "steps": {
                "formed": self.steps_formed,
                "kept": self.steps_kept,
                "set_aside": self.counters("set_aside"),
            },
            "skipped": self.counters("skipped"),
            "token_counts": self.counters("token_counts"),
            "dropped_events": self.counters("dropped_events"),
            "tools": self.counters("tools"),
        }


def lines_accounted(audit: dict[str, Any]) -> int:
    """[R10.1] used + ignored + bad + truncated_last_line + blank: equals lines read."""
    lines = audit["lines"]
    ignored = sum(lines["ignored_bookkeeping"].values()) + sum(lines["ignored_unknown"].values())
    return lines["used"] + ignored + lines["bad"] + lines["truncated_last_line"] + lines["blank"]


@dataclass
class Result:
    steps: list[dict[str, Any]]
    set_aside: list[dict[str, Any]]
    audit: dict[str, dict[str, Any]]
    rejections: list[Rejection]
    # each kept step's logged 1-hour cache write (None when not logged), in step order
    one_hour_writes: list[int | None] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Shared value rules [R4]
# ---------------------------------------------------------------------------------------------


def is_int(value: Any) -> bool:
    """A JSON integer (a boolean is not one, nor is 12.0)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def int0(value: Any) -> int:
    """Token counters: the integer, or 0 when absent or not an integer [R4.2]."""
    return value if is_int(value) else 0


def int_or_none(value: Any) -> int | None:
    return value if is_int(value) else None


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=COMPACT)


def size(value: Any) -> int | None:
    """[R4.1] code points of a string; compact-JSON code points of anything else; null if null."""
    if value is None:
        return None
    if isinstance(value, str):
        return len(value)
    return len(compact_json(value))


def instant_us(timestamp: Any) -> int | None:
    """[R4.3] microseconds since 1970 of an ISO 8601 timestamp with Z or an offset."""
    if not isinstance(timestamp, str):
        return None
    match = TIMESTAMP.fullmatch(timestamp)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:
        return None
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    micros += int(((fraction or "") + "000000")[:6])
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        micros -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60) * 1_000_000
    return micros


def wall_latency_ms(emitted_at: Any, result_at: Any) -> int | None:
    """[R4.4] round-half-even of (difference in seconds, as a double) * 1000.0."""
    start, end = instant_us(emitted_at), instant_us(result_at)
    if start is None or end is None:
        return None
    return round((end - start) / 1_000_000 * 1000.0)


def scaled_ms(value: Any, scale: float) -> int | None:
    """[R4.4] round-half-even of value * scale, in double precision."""
    if not is_number(value):
        return None
    return round(float(value) * scale)


# ---------------------------------------------------------------------------------------------
# Files and lines [R1, R2]
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFile:
    agent: str
    root_number: int
    root: Path
    relative: str

    @property
    def path(self) -> Path:
        return self.root / self.relative

    @property
    def parts(self) -> tuple[str, ...]:
        return PurePosixPath(self.relative).parts

    @property
    def source_file(self) -> str:
        """[R7.6] path relative to its root; roots after the first are prefixed `<n>:`."""
        return self.relative if self.root_number == 1 else f"{self.root_number}:{self.relative}"

    @property
    def stem(self) -> str:
        name = self.parts[-1]
        return name[: -len(".jsonl")] if name.endswith(".jsonl") else name


@dataclass(frozen=True)
class Line:
    number: int
    record: Record


def jsonl_files_under(folder: Path) -> list[str]:
    """Every `*.jsonl` regular file under folder (symlinked folders not followed), as sorted
    POSIX paths relative to folder [R1.3]."""
    found: list[str] = []
    for directory, _subdirs, names in os.walk(folder):
        for name in names:
            path = Path(directory) / name
            if name.endswith(".jsonl") and path.is_file():
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def discover(claude_roots: list[Path], codex_roots: list[Path]) -> list[LogFile]:
    """[R1] the files to read, in file order: Claude roots, then Codex roots, each in the order
    given; within a root, sorted by relative path (code point order)."""
    files: list[LogFile] = []
    for number, root in enumerate(claude_roots, start=1):
        for relative in jsonl_files_under(root):
            if len(PurePosixPath(relative).parts) >= 2:
                files.append(LogFile(CLAUDE, number, root, relative))
    for number, root in enumerate(codex_roots, start=1):
        relatives = [
            f"{folder}/{relative}"
            for folder in ("archived_sessions", "sessions")
            if (root / folder).is_dir()
            for relative in jsonl_files_under(root / folder)
        ]
        files.extend(LogFile(CODEX, number, root, relative) for relative in sorted(relatives))
    return files


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_line(raw: bytes) -> tuple[Any, str | None, str]:
    """(value, None, "") for a JSON line, else (None, reason, problem) [R2.3]."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, "not_utf8", f"invalid UTF-8 at byte {error.start + 1}"
    try:
        return json.loads(text, parse_constant=reject_constant), None, ""
    except json.JSONDecodeError as error:
        return None, "not_json", f"{error.msg} at column {error.colno}"
    except (ValueError, RecursionError) as error:
        return None, "not_json", str(error)


def read_lines(log: LogFile, audit: AgentAudit, rejections: list[Rejection]) -> list[Line]:
    """[R2] the object records of a file; every physical line is counted in the audit."""
    data = log.path.read_bytes()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    pieces = data.split(b"\n")
    ends_with_newline = pieces[-1] == b""
    if ends_with_newline:
        pieces.pop()
    lines: list[Line] = []
    for number, piece in enumerate(pieces, start=1):
        audit.lines_read += 1
        raw = piece[:-1] if piece.endswith(b"\r") else piece
        if not raw.strip(b" \t\r"):
            audit.lines_blank += 1
            continue
        value, reason, problem = parse_line(raw)
        if reason is not None and number == len(pieces) and not ends_with_newline:
            audit.lines_truncated_last += 1
            continue
        if reason is None and not isinstance(value, dict):
            reason, problem = "not_object", f"a JSON {type(value).__name__}, not an object"
        if reason is not None:
            audit.lines_bad += 1
            rejections.append(Rejection(log.source_file, number, reason, problem))
            continue
        lines.append(Line(number, value))
    return lines


def type_label(record: Record, key: str = "type") -> str:
    value = record.get(key)
    if isinstance(value, str):
        return value
    return "<missing>" if value is None else "<not-a-string>"


# ---------------------------------------------------------------------------------------------
# Steps being formed
# ---------------------------------------------------------------------------------------------


@dataclass
class Tool:
    """One tool call [R5.6, R6.5]; results fill it in later (it is shared, not copied)."""

    call_id: str
    name: str | None
    emitted_at: str | None
    input: Any
    index: int
    result_at: str | None = None
    result_chars: int | None = None
    wall_ms: int | None = None
    internal_ms: int | None = None
    is_error: bool | None = None
    has_result: bool = False

    def render(self, include_content: bool) -> dict[str, Any]:
        rendered = {
            "tool_index": self.index,
            "tool_name": self.name,
            "tool_call_id": self.call_id,
            "emitted_at": self.emitted_at,
            "result_at": self.result_at,
            "tool_wall_latency_ms": self.wall_ms,
            "tool_internal_latency_ms": self.internal_ms,
            "is_error": self.is_error,
            "input_chars": size(self.input),
            "result_chars": self.result_chars,
        }
        if include_content:
            rendered["input"] = self.input
        return rendered


@dataclass
class Draft:
    """A step as it is formed, before rendering; dedupe attributes included [R8]."""

    log: LogFile
    source_line: int
    provider: str
    session_id: str
    round_index: int
    round_id: str
    project: str | None = None
    turn_id: str | None = None
    model: str | None = None
    cwd: str | None = None
    tokens: dict[str, int | None] = field(default_factory=dict)
    inputs: list[Event] = field(default_factory=list)
    outputs: list[Event] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    is_subagent: bool = False
    set_aside_reason: str | None = None
    # Claude only
    request_id: str | None = None
    opening_is_sidechain: bool = False
    native: bool = False
    opening_instant: int | None = None
    usage_score: tuple[int, int, bool] | None = None
    tool_ids: set[str] = field(default_factory=set)

    def render(self, include_content: bool) -> dict[str, Any]:
        """[R7] the output step, fields in STEP_FIELDS order."""
        events = [*self.inputs, *self.outputs]
        step: dict[str, Any] = {
            "provider": self.provider,
            "project": self.project,
            "session_id": self.session_id,
            "session_file": self.log.source_file,
            "round_index": self.round_index,
            "round_id": self.round_id,
            "turn_id": self.turn_id,
            "trace_key": f"{self.provider}:{self.session_id}:{self.round_id}",
            "model": self.model,
            "cwd": self.cwd,
            "store": None,
            "home": None,
            "user": None,
            **self.tokens,
            "timing_events": events,
            "tools": [tool.render(include_content) for tool in self.tools],
            **input_summary(events),
            "is_subagent": self.is_subagent,
            "source_file": self.log.source_file,
            "source_line": self.source_line,
        }
        step.update(write_split(self.tokens))
        return {name: step[name] for name in STEP_FIELDS}


def write_split(tokens: dict[str, int | None]) -> dict[str, int | None]:
    """[R7] the cache write's split as the bill reads the logs: the logged 1-hour count (none
    below 0, at most the write) and the rest of the write as 5-minute; unknown (both None)
    without a 1-hour count or a write."""
    hour = tokens.get("claude_cache_creation_1h_input_tokens")
    written = tokens.get("claude_cache_creation_input_tokens")
    if hour is None or written is None or written < 0:
        return {
            "claude_cache_creation_5m_input_tokens": None,
            "claude_cache_creation_1h_input_tokens": None,
        }
    hour = min(max(hour, 0), written)
    return {
        "claude_cache_creation_5m_input_tokens": written - hour,
        "claude_cache_creation_1h_input_tokens": hour,
    }


def input_summary(events: list[Event]) -> dict[str, Any]:
    """[R7.3] the current_* counts and first_input_event_type of a step's events."""
    users = [event for event in events if event["event_type"] == "user_message"]
    results = [event for event in events if event["event_type"] == "tool_result"]
    user_chars = sum(event.get("content_chars") or 0 for event in users)
    result_chars = sum(event.get("result_chars") or 0 for event in results)
    first = next((e["event_type"] for e in events if e["event_type"] in INPUT_EVENT_TYPES), None)
    return {
        "current_input_event_count": len(users) + len(results),
        "current_user_message_count": len(users),
        "current_tool_result_count": len(results),
        "current_user_message_chars": user_chars,
        "current_tool_result_chars": result_chars,
        "current_input_chars": user_chars + result_chars,
        "first_input_event_type": first,
    }


def event(event_type: str, timestamp: Any, source: str, **extra: Any) -> Event:
    """[R7.2] a timing event: the common keys, then the event's own."""
    common = {"event_type": event_type, "timestamp": text_or_none(timestamp), "source": source}
    return common | extra


# ---------------------------------------------------------------------------------------------
# Claude [R5]
# ---------------------------------------------------------------------------------------------


def claude_is_subagent_file(log: LogFile) -> bool:
    """[R1.4] under a `subagents` folder, or named agent-*.jsonl."""
    return "subagents" in log.parts[1:-1] or log.parts[-1].startswith("agent-")


def claude_record_kind(record: Record) -> str | None:
    """[R3.2] "user", "assistant", or None (ignored)."""
    message = record.get("message")
    if not isinstance(message, dict):
        return None
    if message.get("role") == "user":
        return "user"
    if record.get("type") == "assistant" and message.get("role") == "assistant":
        return "assistant"
    return None


@dataclass
class ClaudeChain:
    """[R5.1] one sequence of steps in a file: its own input buffer, steps and tool registry."""

    session_id: str
    is_subagent: bool
    steps: dict[str, Draft] = field(default_factory=dict)
    pending: list[Event] = field(default_factory=list)
    registry: dict[str, Tool] = field(default_factory=dict)


@dataclass
class ClaudeFile:
    log: LogFile
    audit: AgentAudit
    subagent_file: bool
    session_key: str
    file_uuid: str
    chains: dict[str, ClaudeChain] = field(default_factory=dict)

    def chain_for(self, record: Record) -> ClaudeChain:
        """[R5.1] sub-agent files are one chain; elsewhere isSidechain records form their own."""
        name = "main"
        if not self.subagent_file and record.get("isSidechain") is True:
            agent_id = record.get("agentId")
            name = (
                f"sidechain/{agent_id}" if isinstance(agent_id, str) and agent_id else "sidechain"
            )
        if name not in self.chains:
            suffix = "" if name == "main" else f"/{name}"
            self.chains[name] = ClaudeChain(
                f"claude:{self.session_key}{suffix}", self.subagent_file or name != "main"
            )
        return self.chains[name]


def claude_file(log: LogFile, audit: AgentAudit) -> ClaudeFile:
    inner = log.parts[1:]
    key = "/".join(inner)
    key = key[: -len(".jsonl")] if key.endswith(".jsonl") else key
    first = inner[0]
    file_uuid = first[: -len(".jsonl")] if first.endswith(".jsonl") else first
    return ClaudeFile(log, audit, claude_is_subagent_file(log), key, file_uuid)


def claude_tool_result_events(record: Record, content: list[Any]) -> list[Event]:
    """[R5.3] one tool_result event per tool_result block with a string tool_use_id."""
    events = []
    for block in content:
        if not isinstance(block, dict) or block.get("type") != "tool_result":
            continue
        call_id = block.get("tool_use_id")
        if isinstance(call_id, str):
            events.append(
                event(
                    "tool_result",
                    record.get("timestamp"),
                    "user.content.tool_result",
                    tool_call_id=call_id,
                    result_chars=size(block.get("content")),
                    is_error=block.get("is_error") is True,
                )
            )
    return events


def claude_user_events(record: Record) -> list[Event]:
    """[R5.3] the input events of a user record."""
    content = record["message"].get("content")
    timestamp = record.get("timestamp")
    if isinstance(content, str):
        return [event("user_message", timestamp, "user.message", content_chars=len(content))]
    if not isinstance(content, list):
        return []
    has_result = any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
    if has_result:
        return claude_tool_result_events(record, content)
    return [event("user_message", timestamp, "user.message", content_chars=size(content))]


def claude_internal_ms(runner: Any) -> int | None:
    """[R5.7] toolUseResult durationMs | duration_ms | durationSeconds | duration_seconds."""
    if not isinstance(runner, dict):
        return None
    for key, scale in (
        ("durationMs", 1.0),
        ("duration_ms", 1.0),
        ("durationSeconds", 1000.0),
        ("duration_seconds", 1000.0),
    ):
        if is_number(runner.get(key)):
            return scaled_ms(runner[key], scale)
    return None


def claude_user(cf: ClaudeFile, record: Record) -> None:
    chain = cf.chain_for(record)
    for item in claude_user_events(record):
        chain.pending.append(item)
        if item["event_type"] != "tool_result":
            continue
        tool = chain.registry.get(item["tool_call_id"])
        if tool is None:
            cf.audit.tools["result_for_unknown_id"] += 1
        elif tool.has_result:
            cf.audit.tools["repeated_result"] += 1
        else:
            tool.has_result = True
            tool.result_at = item["timestamp"]
            tool.result_chars = item["result_chars"]
            tool.is_error = item["is_error"]
            tool.internal_ms = claude_internal_ms(record.get("toolUseResult"))
            tool.wall_ms = wall_latency_ms(tool.emitted_at, tool.result_at)


def claude_usage_score(message: dict[str, Any]) -> tuple[int, int, bool] | None:
    """[R5.5] (output, input + cache creation + cache read, has stop_reason) or None."""
    usage = message.get("usage")
    if not isinstance(usage, dict):
        return None
    counters = (
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
    )
    if not any(is_int(usage.get(name)) for name in counters):
        return None
    total = sum(int0(usage.get(name)) for name in counters[:3])
    return (int0(usage.get("output_tokens")), total, message.get("stop_reason") is not None)


def claude_tokens(usage: dict[str, Any] | None) -> dict[str, int | None]:
    """[R5.8] the token fields from the chosen usage snapshot (zeros when none)."""
    usage = usage or {}
    fresh = int0(usage.get("input_tokens"))
    creation = int0(usage.get("cache_creation_input_tokens"))
    read = int0(usage.get("cache_read_input_tokens"))
    split = usage.get("cache_creation") if isinstance(usage.get("cache_creation"), dict) else {}
    return {
        "input_tokens_total": fresh + creation + read,
        "prefix_tokens": read,
        "newly_append_tokens": fresh + creation,
        "claude_uncached_input_tokens": fresh,
        "claude_cache_creation_input_tokens": creation,
        "claude_cache_read_input_tokens": read,
        "output_tokens": int0(usage.get("output_tokens")),
        "reasoning_output_tokens": None,
        # not a field of the output step: the bill's 1-hour write (Result.one_hour_writes)
        "claude_cache_creation_1h_input_tokens": int_or_none(
            split.get("ephemeral_1h_input_tokens")
        ),
    }


def claude_open_step(cf: ClaudeFile, chain: ClaudeChain, line: Line, message_id: str) -> Draft:
    """[R5.4] the first record of a message.id in its chain opens a step."""
    record, message = line.record, line.record["message"]
    request_id = record.get("requestId")
    draft = Draft(
        log=cf.log,
        source_line=line.number,
        provider=CLAUDE,
        session_id=chain.session_id,
        round_index=len(chain.steps),
        round_id=message_id,
        project=cf.log.parts[0],
        model=text_or_none(message.get("model")),
        tokens=claude_tokens(None),
        inputs=chain.pending,
        is_subagent=chain.is_subagent,
        request_id=request_id if isinstance(request_id, str) and request_id else None,
        opening_is_sidechain=record.get("isSidechain") is True,
        native=record.get("sessionId") == cf.file_uuid,
        opening_instant=instant_us(record.get("timestamp")),
    )
    chain.pending = []
    chain.steps[message_id] = draft
    return draft


def claude_blocks(cf: ClaudeFile, chain: ClaudeChain, draft: Draft, record: Record) -> None:
    """[R5.6] the output events of one assistant record, in block order."""
    content = record["message"].get("content")
    timestamp = record.get("timestamp")
    for block in content if isinstance(content, list) else []:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "thinking":
            draft.outputs.append(
                event(
                    "reasoning",
                    timestamp,
                    "assistant.content.thinking",
                    content_chars=size(block.get("thinking")),
                )
            )
        elif kind == "text":
            draft.outputs.append(
                event(
                    "text",
                    timestamp,
                    "assistant.content.text",
                    content_chars=size(block.get("text")),
                )
            )
        elif kind == "tool_use" and isinstance(block.get("id"), str):
            claude_tool_use(cf.audit, chain, draft, block, timestamp)


def claude_tool_use(
    audit: AgentAudit, chain: ClaudeChain, draft: Draft, block: dict[str, Any], timestamp: Any
) -> None:
    """[R5.6] a tool_use block: a new tool the first time its id is seen in the step."""
    call_id = block["id"]
    if call_id in chain.registry or call_id in draft.tool_ids:
        audit.tools["repeated_call_id"] += 1
    if call_id in draft.tool_ids:
        return
    tool = Tool(
        call_id=call_id,
        name=text_or_none(block.get("name")),
        emitted_at=text_or_none(timestamp),
        input=block.get("input"),
        index=len(draft.tools),
    )
    draft.tool_ids.add(call_id)
    draft.tools.append(tool)
    chain.registry[call_id] = tool
    draft.outputs.append(
        event(
            "tool_call",
            timestamp,
            "assistant.content.tool_use",
            tool_call_id=call_id,
            tool_name=tool.name,
            tool_index=tool.index,
        )
    )


def claude_assistant(cf: ClaudeFile, line: Line) -> None:
    record, message = line.record, line.record["message"]
    message_id = message.get("id")
    if message_id == SYNTHETIC or message.get("model") == SYNTHETIC:
        cf.audit.skipped["synthetic_records"] += 1
        return
    if not isinstance(message_id, str) or not message_id:
        cf.audit.skipped["assistant_records_without_id"] += 1
        return
    chain = cf.chain_for(record)
    draft = chain.steps.get(message_id)
    if draft is None:
        draft = claude_open_step(cf, chain, line, message_id)
    elif draft.model is None:
        draft.model = text_or_none(message.get("model"))
    score = claude_usage_score(message)
    if score is not None and (draft.usage_score is None or score >= draft.usage_score):
        draft.usage_score = score
        draft.tokens = claude_tokens(message["usage"])
    claude_blocks(cf, chain, draft, record)


def read_claude_file(log: LogFile, audit: AgentAudit, rejections: list[Rejection]) -> list[Draft]:
    """[R5] the steps of one Claude file, in order of their opening line."""
    cf = claude_file(log, audit)
    for line in read_lines(log, audit, rejections):
        kind = claude_record_kind(line.record)
        if kind is None:
            label = type_label(line.record)
            bucket = (
                audit.ignored_bookkeeping if label in CLAUDE_BOOKKEEPING else audit.ignored_unknown
            )
            bucket[label] += 1
            continue
        audit.lines_used += 1
        if kind == "user":
            claude_user(cf, line.record)
        else:
            claude_assistant(cf, line)
    drafts = [draft for chain in cf.chains.values() for draft in chain.steps.values()]
    audit.dropped_events["dangling_inputs"] += sum(len(c.pending) for c in cf.chains.values())
    return sorted(drafts, key=lambda draft: draft.source_line)


# ---------------------------------------------------------------------------------------------
# Codex [R6]
# ---------------------------------------------------------------------------------------------


def codex_record_kind(record: Record) -> tuple[str, str]:
    """[R3.3] ("read" | "bookkeeping" | "unknown", label)."""
    kind = type_label(record)
    payload = record.get("payload")
    if kind in ("session_meta", "turn_context"):
        return ("read" if isinstance(payload, dict) else "unknown"), kind
    if not isinstance(payload, dict):
        return ("bookkeeping" if kind in CODEX_BOOKKEEPING_TYPES else "unknown"), kind
    label = f"{kind}/{type_label(payload)}"
    if kind in CODEX_BOOKKEEPING_TYPES:
        return "bookkeeping", kind
    if payload.get("type") in CODEX_READ.get(kind, ()):
        return "read", label
    if payload.get("type") in CODEX_BOOKKEEPING.get(kind, ()):
        return "bookkeeping", label
    return "unknown", label


@dataclass
class CodexFile:
    """[R6.1] the state of one Codex file while it is read in line order."""

    log: LogFile
    audit: AgentAudit
    session_uuid: str | None
    parent_id: str | None
    replay_reason: str | None
    is_subagent: bool
    turn_id: str | None = None
    model: str | None = None
    cwd: str | None = None
    inputs: list[Event] = field(default_factory=list)
    outputs: list[Event] = field(default_factory=list)
    segment_tools: list[Tool] = field(default_factory=list)
    registry: dict[str, Tool] = field(default_factory=dict)
    per_turn: Counter[str] = field(default_factory=Counter)
    per_session: Counter[str] = field(default_factory=Counter)
    previous_total: str | None = None
    drafts: list[Draft] = field(default_factory=list)


def codex_lineage(meta: dict[str, Any]) -> tuple[str | None, str | None]:
    """[R6.2] (parent id, replay reason) from the first session_meta payload."""
    source = meta.get("source")
    subagent = source.get("subagent") if isinstance(source, dict) else None
    spawn = subagent.get("thread_spawn") if isinstance(subagent, dict) else None
    parent = spawn.get("parent_thread_id") if isinstance(spawn, dict) else None
    if isinstance(parent, str) and parent:
        return parent, "codex_subagent_replay"
    forked = meta.get("forked_from_id")
    if isinstance(forked, str) and forked:
        return forked, "codex_fork_replay"
    return None, None


def codex_file(log: LogFile, audit: AgentAudit, lines: list[Line]) -> CodexFile:
    meta = next(
        (
            line.record["payload"]
            for line in lines
            if line.record.get("type") == "session_meta"
            and isinstance(line.record.get("payload"), dict)
        ),
        {},
    )
    uuid = meta.get("id") if isinstance(meta.get("id"), str) and meta.get("id") else None
    parent, reason = codex_lineage(meta)
    return CodexFile(log, audit, uuid, parent, reason, reason == "codex_subagent_replay")


def codex_wall_time_ms(text: Any) -> int | None:
    """[R6.6] `Wall time: X seconds` in a result text, X * 1000.0 rounded half-even."""
    if not isinstance(text, str):
        return None
    match = WALL_TIME.search(text)
    return scaled_ms(float(match.group(1)), 1000.0) if match else None


def codex_json_error(value: Any) -> bool | None:
    """[R6.6] is_error from a JSON object result: metadata.exit_code, else success."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if not isinstance(value, dict):
        return None
    metadata = value.get("metadata")
    if isinstance(metadata, dict) and is_int(metadata.get("exit_code")):
        return metadata["exit_code"] != 0
    if isinstance(value.get("success"), bool):
        return not value["success"]
    return None


def codex_output_error(output: Any) -> bool | None:
    """[R6.6] JSON result first, then an exit-code line in the text."""
    from_json = codex_json_error(output)
    if from_json is not None or not isinstance(output, str):
        return from_json
    match = EXIT_CODE.search(output)
    return int(match.group(1)) != 0 if match else None


@dataclass(frozen=True)
class CodexResult:
    call_id: Any
    result_chars: int | None
    internal_ms: int | None
    is_error: bool | None


def codex_result(kind: str, payload: dict[str, Any]) -> CodexResult:
    """[R6.6] what one result record says about its tool call."""
    call_id = payload.get("call_id")
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = payload.get("output")
        return CodexResult(
            call_id, size(output), codex_wall_time_ms(output), codex_output_error(output)
        )
    if kind == "exec_command_end":
        text = text_or_none(payload.get("aggregated_output"))
        code = payload.get("exit_code")
        error = code != 0 if is_int(code) else None
        return CodexResult(call_id, size(text), codex_wall_time_ms(text), error)
    stdout, stderr = text_or_none(payload.get("stdout")), text_or_none(payload.get("stderr"))
    chars = None if stdout is None and stderr is None else len(stdout or "") + len(stderr or "")
    success = payload.get("success")
    error = (not success) if isinstance(success, bool) else None
    return CodexResult(call_id, chars, codex_wall_time_ms(stdout), error)


RESULT_SOURCES = {
    "function_call_output": "response_item.function_call_output",
    "custom_tool_call_output": "response_item.custom_tool_call_output",
    "exec_command_end": "event_msg.exec_command_end",
    "patch_apply_end": "event_msg.patch_apply_end",
}


def codex_tool_result(cf: CodexFile, record: Record, kind: str) -> None:
    result = codex_result(kind, record["payload"])
    tool = cf.registry.get(result.call_id) if isinstance(result.call_id, str) else None
    if tool is None:
        cf.audit.tools["result_for_unknown_id"] += 1
        return
    timestamp = text_or_none(record.get("timestamp"))
    if not tool.has_result:
        tool.has_result = True
        tool.result_at = timestamp
        extra: dict[str, Any] = {"tool_call_id": tool.call_id, "result_chars": result.result_chars}
        if result.is_error is not None:
            extra["is_error"] = result.is_error
        cf.inputs.append(event("tool_result", timestamp, RESULT_SOURCES[kind], **extra))
    else:
        cf.audit.tools["repeated_result"] += 1
    if tool.result_chars is None:
        tool.result_chars = result.result_chars
    if tool.internal_ms is None:
        tool.internal_ms = result.internal_ms
    if tool.wall_ms is None:
        tool.wall_ms = wall_latency_ms(tool.emitted_at, timestamp)
    if result.is_error is not None:
        tool.is_error = result.is_error


def codex_tool_call(cf: CodexFile, record: Record, kind: str) -> None:
    payload = record["payload"]
    call_id = payload.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        return
    if call_id in cf.registry:
        cf.audit.tools["repeated_call_id"] += 1
        return
    tool = Tool(
        call_id=call_id,
        name=text_or_none(payload.get("name")),
        emitted_at=text_or_none(record.get("timestamp")),
        input=payload.get("arguments" if kind == "function_call" else "input"),
        index=len(cf.segment_tools),
    )
    cf.registry[call_id] = tool
    cf.segment_tools.append(tool)
    cf.outputs.append(
        event(
            "tool_call",
            record.get("timestamp"),
            f"response_item.{kind}",
            tool_call_id=call_id,
            tool_name=tool.name,
            tool_index=tool.index,
        )
    )


def codex_tokens(last: dict[str, Any]) -> dict[str, int | None]:
    """[R6.8] the token fields from last_token_usage."""
    fresh, cached = int0(last.get("input_tokens")), int0(last.get("cached_input_tokens"))
    return {
        "input_tokens_total": fresh,
        "prefix_tokens": cached,
        "newly_append_tokens": max(0, fresh - cached),
        "claude_uncached_input_tokens": None,
        "claude_cache_creation_input_tokens": None,
        "claude_cache_read_input_tokens": None,
        "output_tokens": int0(last.get("output_tokens")),
        "reasoning_output_tokens": int0(last.get("reasoning_output_tokens")),
    }


def codex_accept(cf: CodexFile, payload: dict[str, Any]) -> dict[str, Any] | None:
    """[R6.7] the last_token_usage of an accepted token_count, or None (counted)."""
    info = payload.get("info")
    if not isinstance(info, dict):
        cf.audit.token_counts["info_null"] += 1
        return None
    last, total = info.get("last_token_usage"), info.get("total_token_usage")
    if not isinstance(last, dict) or not isinstance(total, dict):
        cf.audit.token_counts["usage_missing"] += 1
        return None
    canonical = json.dumps(total, sort_keys=True, ensure_ascii=False, separators=COMPACT)
    unchanged = canonical == cf.previous_total
    cf.previous_total = canonical
    if unchanged:
        cf.audit.token_counts["unchanged_total"] += 1
        return None
    return last


def codex_token_count(cf: CodexFile, line: Line) -> None:
    last = codex_accept(cf, line.record["payload"])
    if last is None:
        return
    cf.audit.token_counts["accepted"] += 1
    turn_key = cf.turn_id if cf.turn_id is not None else cf.log.stem
    k = cf.per_turn[turn_key]
    cf.per_turn[turn_key] += 1
    replay = (
        cf.replay_reason is not None
        and cf.turn_id is not None
        and cf.session_uuid is not None
        and cf.turn_id.lower() < cf.session_uuid.lower()
    )
    owner = cf.parent_id if replay else (cf.session_uuid or cf.log.stem)
    session_id = f"codex:{owner}"
    usage = event("usage_report", line.record.get("timestamp"), "event_msg.token_count")
    draft = Draft(
        log=cf.log,
        source_line=line.number,
        provider=CODEX,
        session_id=session_id,
        round_index=cf.per_session[session_id],
        round_id=f"{turn_key}:{k}",
        turn_id=cf.turn_id,
        model=cf.model,
        cwd=cf.cwd,
        tokens=codex_tokens(last),
        inputs=cf.inputs,
        outputs=[*cf.outputs, usage],
        tools=cf.segment_tools,
        is_subagent=cf.is_subagent,
        set_aside_reason=cf.replay_reason if replay else None,
    )
    cf.per_session[session_id] += 1
    cf.inputs, cf.outputs, cf.segment_tools = [], [], []
    cf.drafts.append(draft)


def codex_state(cf: CodexFile, record: Record, kind: str) -> None:
    """[R6.3] session_meta, turn_context and task_started update the file state."""
    payload = record["payload"]
    if kind in ("session_meta", "turn_context") and isinstance(payload.get("cwd"), str):
        cf.cwd = payload["cwd"]
    if kind in ("turn_context", "task_started") and isinstance(payload.get("turn_id"), str):
        cf.turn_id = payload["turn_id"]
    if kind == "turn_context" and isinstance(payload.get("model"), str):
        cf.model = payload["model"]


def codex_line(cf: CodexFile, line: Line) -> None:
    """[R6.4] one read record, dispatched on (type, payload.type)."""
    record = line.record
    kind = record["type"]
    payload = record["payload"]
    sub = payload.get("type") if kind in ("response_item", "event_msg") else kind
    timestamp = record.get("timestamp")
    if sub in ("session_meta", "turn_context", "task_started"):
        codex_state(cf, record, sub)
    elif sub == "user_message":
        chars = size(payload.get("message"))
        cf.inputs.append(
            event("user_message", timestamp, "event_msg.user_message", content_chars=chars)
        )
    elif sub == "message":
        if payload.get("role") == "assistant":
            chars = size(payload.get("content"))
            cf.outputs.append(
                event("text", timestamp, "response_item.message", content_chars=chars)
            )
    elif sub == "reasoning":
        cf.outputs.append(event("reasoning", timestamp, "response_item.reasoning"))
    elif sub in ("function_call", "custom_tool_call"):
        codex_tool_call(cf, record, sub)
    elif sub in RESULT_SOURCES:
        codex_tool_result(cf, record, sub)
    elif sub == "token_count":
        codex_token_count(cf, line)


def read_codex_file(log: LogFile, audit: AgentAudit, rejections: list[Rejection]) -> list[Draft]:
    """[R6] the steps of one Codex file, in order of their token_count line."""
    lines = read_lines(log, audit, rejections)
    cf = codex_file(log, audit, lines)
    for line in lines:
        category, label = codex_record_kind(line.record)
        if category == "read":
            audit.lines_used += 1
            codex_line(cf, line)
        elif category == "bookkeeping":
            audit.ignored_bookkeeping[label] += 1
        else:
            audit.ignored_unknown[label] += 1
    audit.dropped_events["dangling_inputs"] += len(cf.inputs)
    audit.dropped_events["dangling_outputs"] += len(cf.outputs)
    return cf.drafts


# ---------------------------------------------------------------------------------------------
# Duplicates set aside [R8]
# ---------------------------------------------------------------------------------------------


def set_aside_claude(drafts: list[Draft]) -> None:
    """[R8.1] /btw replays, then fork/branch copies (the original occurrence is kept)."""
    main_ids = {d.round_id for d in drafts if not d.opening_is_sidechain}
    for draft in drafts:
        if draft.opening_is_sidechain and draft.round_id in main_ids:
            draft.set_aside_reason = "btw_replay"
    groups: dict[tuple[str, str], list[tuple[int, Draft]]] = {}
    for position, draft in enumerate(drafts):
        if draft.set_aside_reason is None:
            key = (draft.round_id, draft.request_id or "")
            groups.setdefault(key, []).append((position, draft))
    for members in groups.values():
        original = min(members, key=claude_original_rank)
        for _position, draft in members:
            if draft is not original[1]:
                draft.set_aside_reason = "fork_copy"


def claude_original_rank(member: tuple[int, Draft]) -> tuple[int, int, int, int]:
    """[R8.1] native first, then the earliest opening timestamp (none last), then step order."""
    position, draft = member
    instant = draft.opening_instant
    return (0 if draft.native else 1, 0 if instant is not None else 1, instant or 0, position)


def set_aside_codex_files(files: list[LogFile]) -> dict[LogFile, str]:
    """[R8.2] files whose name was already read: sessions/ wins over archived_sessions/, then
    file order. Returns the reason for every file set aside."""
    by_name: dict[str, list[tuple[int, int, LogFile]]] = {}
    for position, log in enumerate(files):
        archived = 1 if log.parts[0] == "archived_sessions" else 0
        by_name.setdefault(log.parts[-1], []).append((archived, position, log))
    reasons: dict[LogFile, str] = {}
    for members in by_name.values():
        for archived, _position, log in sorted(members)[1:]:
            reasons[log] = "archived_duplicate_file" if archived else "duplicate_file"
    return reasons


# ---------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------


def normalize(
    claude_roots: Iterable[Path], codex_roots: Iterable[Path], include_content: bool = False
) -> Result:
    """Read every log under the roots and return the steps, set-aside steps, audit and
    rejections [R1-R10]."""
    files = discover([Path(r) for r in claude_roots], [Path(r) for r in codex_roots])
    audits = {CLAUDE: AgentAudit(CLAUDE), CODEX: AgentAudit(CODEX)}
    rejections: list[Rejection] = []
    file_reasons = set_aside_codex_files([log for log in files if log.agent == CODEX])
    drafts: dict[str, list[Draft]] = {CLAUDE: [], CODEX: []}
    for log in files:
        audit = audits[log.agent]
        audit.files += 1
        reader = read_claude_file if log.agent == CLAUDE else read_codex_file
        formed = reader(log, audit, rejections)
        for draft in formed:
            if log in file_reasons:
                draft.set_aside_reason = file_reasons[log]
        drafts[log.agent].extend(formed)
    set_aside_claude(drafts[CLAUDE])
    steps, set_aside, one_hour = [], [], []
    for agent in (CLAUDE, CODEX):
        for draft in drafts[agent]:
            account(audits[agent], draft)
            rendered = draft.render(include_content)
            if draft.set_aside_reason is None:
                steps.append(rendered)
                one_hour.append(draft.tokens.get("claude_cache_creation_1h_input_tokens"))
            else:
                set_aside.append(rendered | {"set_aside_reason": draft.set_aside_reason})
    audit = {a: audits[a].as_dict() for a in audits}
    return Result(steps, set_aside, audit, rejections, one_hour)


def account(audit: AgentAudit, draft: Draft) -> None:
    audit.steps_formed += 1
    if draft.set_aside_reason is None:
        audit.steps_kept += 1
    else:
        audit.set_aside[draft.set_aside_reason] += 1


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def open_output(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8", newline="\n")
    return open(path, "w", encoding="utf-8", newline="\n")


def write_steps(steps: list[dict[str, Any]], path: Path) -> None:
    """One compact JSON object per line, UTF-8, LF line ends [R11]."""
    with open_output(path) as handle:
        for step in steps:
            handle.write(compact_json(step))
            handle.write("\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Turn raw Claude Code / Codex CLI session logs into Trace Atlas's normalized step "
            "trace (one JSON object per model call), by the rules of docs/raw_logs_rules.md."
        )
    )
    parser.add_argument(
        "--claude",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a Claude Code projects folder (e.g. ~/.claude/projects); repeatable",
    )
    parser.add_argument(
        "--codex",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a Codex home holding sessions/ and archived_sessions/ (e.g. ~/.codex); repeatable",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="steps file (.jsonl[.gz])")
    parser.add_argument("--audit", type=Path, help="also write the audit (and rejections) as JSON")
    parser.add_argument(
        "--on-bad-lines",
        choices=["strict", "quarantine"],
        default="strict",
        help="strict (default): stop at the first bad line and write nothing; quarantine: "
        "report bad lines and go on",
    )
    parser.add_argument(
        "--include-content",
        action="store_true",
        help="keep each tool call's raw `input` (off by default: no log content is written)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.claude and not args.codex:
        print("error: give at least one --claude or --codex folder", file=sys.stderr)
        return 2
    missing = [str(p) for p in [*args.claude, *args.codex] if not p.is_dir()]
    if missing:
        print(f"error: not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    for hint in root_hints(args.claude, args.codex):
        print(f"warning: {hint}", file=sys.stderr)
    result = normalize(args.claude, args.codex, include_content=args.include_content)
    for rejection in result.rejections[:20]:
        print(
            f"bad line: {rejection.file} line {rejection.line}: {rejection.reason} "
            f"({rejection.problem})",
            file=sys.stderr,
        )
    if result.rejections and args.on_bad_lines == "strict":
        print(
            f"error: {len(result.rejections)} bad line(s); nothing written "
            "(--on-bad-lines quarantine sets them aside)",
            file=sys.stderr,
        )
        return 1
    write_steps(result.steps, args.output)
    if args.audit:
        report = {"audit": result.audit, "rejections": [r.__dict__ for r in result.rejections]}
        args.audit.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    summarize(result, args.output, sys.stderr.write)
    return 0


def root_hints(claude_roots: list[Path], codex_roots: list[Path]) -> list[str]:
    """Roots that look like the wrong folder of the right agent [R1.1]."""
    hints = []
    for root in claude_roots:
        if (root / "projects").is_dir():
            hints.append(f"{root} holds projects/: the Claude root is the projects folder itself")
    for root in codex_roots:
        if not (root / "sessions").is_dir() and not (root / "archived_sessions").is_dir():
            hints.append(
                f"{root} has no sessions/ or archived_sessions/: the Codex root is the Codex "
                "home (e.g. ~/.codex), not its sessions/ folder"
            )
    return hints


def summarize(result: Result, output: Path, write: Callable[[str], Any]) -> None:
    for agent, audit in result.audit.items():
        lines, steps = audit["lines"], audit["steps"]
        write(
            f"{agent}: {audit['files']} files, {lines['read']} lines, {steps['kept']} steps kept, "
            f"{sum(steps['set_aside'].values())} set aside {steps['set_aside']}\n"
        )
    write(f"wrote {len(result.steps)} steps to {output}\n")


def iter_steps(path: Path) -> Iterator[dict[str, Any]]:
    """Read back a steps file written by write_steps (for tests)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for text in handle:
            yield json.loads(text)


if __name__ == "__main__":
    sys.exit(main())
