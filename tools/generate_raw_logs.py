"""Generate synthetic *raw* Claude Code and Codex CLI session logs, laid out as the agents do.

Trace Atlas can read raw agent logs (docs/raw_logs_rules.md). This script writes realistic,
deterministic raw logs to test and benchmark that reading, without anyone's real sessions:

* ``--claude-root DIR`` becomes a Claude Code *projects* folder (like ``~/.claude/projects``):
  ``DIR/<project>/<session-uuid>.jsonl``, sub-agents in
  ``DIR/<project>/<session-uuid>/subagents/agent-<id>.jsonl`` (+ ``agent-<id>.meta.json``).
  One model response is split into one ``assistant`` record per content block (thinking, text,
  tool_use) sharing ``message.id``; early split records carry partial usage (``stop_reason:
  null``, 1-9 output tokens), the last one the final usage. Tool results come back as ``user``
  records with ``tool_result`` blocks and ``toolUseResult`` runner metadata (durations for
  WebSearch / WebFetch / Glob). Bookkeeping records (``file-history-snapshot``, ``summary``,
  ``system``, ``mode``, ``permission-mode``, ``last-prompt``, ``ai-title``, ``attachment``) are
  interleaved as Claude Code writes them.
* ``--codex-root DIR`` becomes a Codex home (like ``~/.codex``):
  ``DIR/sessions/YYYY/MM/DD/rollout-<start>-<uuidv7>.jsonl`` with ``session_meta``,
  ``turn_context``, ``response_item`` (messages, encrypted reasoning, ``function_call`` /
  ``custom_tool_call`` and their outputs) and ``event_msg`` (user_message, agent_message,
  task_started / task_complete, exec_command_end, patch_apply_end, and ``token_count`` with the
  cumulative ``total_token_usage`` and the per-call ``last_token_usage``; some are rate-limit-only
  ``info: null`` events or re-emits of an unchanged total, as real Codex writes them).

Sizes are realistic: tool outputs are a few KB (some tens of KB) and often appear twice, as in the
real formats (Claude's result block and runner metadata; Codex's exec_command_end and
function_call_output), and every record repeats its envelope, so a step averages ~10.5 KB of raw
log for both agents (300,000 steps = about 3.3 GB in about 20,000 files). Everything is streamed:
one session is built in memory, written, then dropped (about 40 MB of memory whatever --steps);
300,000 steps take about one CPU-minute (a few minutes of wall time on a busy machine).

``--edge-cases`` adds, in every run, each case the rules document names: ``<synthetic>`` API-error
messages, Claude fork copies of a session into a new file (with and without the copied
``sessionId`` rewritten), ``/btw`` side-question replays, inline sidechains of an older CLI,
compaction summaries, Codex sub-agent replay files (``thread_spawn.parent_thread_id``) and fork
files (``forked_from_id``), an ``archived_sessions/`` copy of a live session and an archived-only
session, a legacy Codex session without ``turn_context``, a half-written last line (a live log),
unknown record types, blank lines, non-ASCII text (accents, CJK, emoji, U+FFFD), tool results
for unknown ids and repeated tool ids. ``--bad-lines`` adds a few lines that are not JSON objects,
one not UTF-8 (they stop a strict run, so they are opt-in). The edge-case sessions come first, so
even a small ``--steps`` contains all of them.

``--summary FILE`` writes what the generator put in, counted by the generator itself: the steps a
correct reader keeps, the steps it must set aside (by reason), skipped token_counts, synthetic
records, truncated/bad/blank lines, unknown records and tool anomalies. The tests compare it with
what tests/raw_logs_reference.py finds.

The same seed and arguments always give byte-identical trees. Standard library only.

Examples::

    python tools/generate_raw_logs.py --claude-root /tmp/raw/claude --codex-root /tmp/raw/codex
    python tools/generate_raw_logs.py --claude-root c --codex-root x --steps 3000 --edge-cases
    python tools/generate_raw_logs.py --codex-root x --steps 300000 --seed 7 --summary x.json
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SEED = 20260601
DEFAULT_STEPS = 2000
CLAUDE_SHARE = 0.4  # share of the steps given to Claude when both roots are written
START_MS = 1_777_593_600_000  # 2026-05-01T00:00:00Z
SPAN_MS = 45 * 24 * 3600 * 1000
SEPARATORS = (",", ":")
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"
CORPUS_CHARS = 262_144
PROJECTS = 14
CLAUDE_MODELS = ("claude-opus-4-8", "claude-sonnet-4-7", "claude-haiku-4-5")
CODEX_MODELS = ("gpt-5.4", "gpt-5.3-codex")
CLAUDE_VERSION = "2.1.157"
OLD_CLAUDE_VERSION = "1.0.51"
CODEX_VERSION = "0.114.0"
CONTEXT_WINDOW = 258_400

# Edge-case roles: each of the first sessions of an agent gets one, then every EDGE_EVERY-th.
CLAUDE_ROLES = (
    "fork_native",
    "fork_rewritten",
    "btw",
    "inline_sidechain",
    "synthetic_and_ids",
    "live_unknown_blank",
    "bad_lines",
    "non_ascii",
)
CODEX_ROLES = (
    "subagent_parent",
    "fork_parent",
    "archived_copy",
    "archived_only",
    "legacy",
    "live_unknown_blank",
    "ids",
    "bad_lines",
)
EDGE_EVERY = 9

Record = dict[str, Any]


def dumps(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False, separators=SEPARATORS)


def iso(ms: int) -> str:
    """A millisecond timestamp as Claude Code and Codex write it: 2026-05-01T00:00:00.000Z."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def random_string(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


def uuid4(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    value = (value & ~(0xF << 76)) | (0x4 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def uuid7(rng: random.Random, ms: int) -> str:
    """A UUIDv7: the millisecond timestamp first, so ids sort by creation time."""
    stamp = f"{ms:012x}"
    version = 0x7000 | rng.getrandbits(12)
    variant = 0x8000 | rng.getrandbits(14)
    return f"{stamp[:8]}-{stamp[8:]}-{version:04x}-{variant:04x}-{rng.getrandbits(48):012x}"


def lognormal_int(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return max(low, min(high, int(median * math.exp(rng.gauss(0.0, sigma)))))


# ---------------------------------------------------------------------------------------------
# Text: slices of one deterministic corpus (fast), with some non-ASCII
# ---------------------------------------------------------------------------------------------

WORD_TEXT = (
    "the request handler returns a value when cache config parser token session file index "
    "build test error warning module function class import from data model step user agent "
    "prefix stream buffer record schema query table column row batch retry timeout limit "
    "update delete create read write path folder project release version commit branch merge "
    "check lint format deploy server client network socket thread process memory disk"
)
WORDS = tuple(WORD_TEXT.split())
NON_ASCII = (
    "caf\u00e9",
    "na\u00efve",
    "r\u00e9sum\u00e9",
    "Stra\u00dfe",
    "\u4e2d\u6587\u5b57\u7b26",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\ud55c\uad6d\uc5b4",
    "\U0001f680",
    "\u2705",
    "\U0001f600",
    "\u2014",
    "\u201cquoted\u201d",
    "\u2026",
    "\ufffd",
    "\u00b5s",
)
FILE_NAMES = ("main.py", "utils.py", "models.sql", "README.md", "config.yml", "test_api.py")


class Corpus:
    """Deterministic pseudo text (code, logs, prose) sliced at random offsets."""

    def __init__(self, rng: random.Random, non_ascii_rate: float) -> None:
        pieces: list[str] = []
        total = 0
        while total < CORPUS_CHARS:
            line = self._line(rng, non_ascii_rate)
            pieces.append(line)
            total += len(line) + 1
        text = "\n".join(pieces)
        self.text = text + "\n" + text
        self.size = len(text)
        self.blob = base64.b64encode(rng.randbytes(98_304)).decode("ascii")

    @staticmethod
    def _word(rng: random.Random, non_ascii_rate: float) -> str:
        if rng.random() < non_ascii_rate:
            return rng.choice(NON_ASCII)
        return rng.choice(WORDS)

    def _line(self, rng: random.Random, non_ascii_rate: float) -> str:
        words = [self._word(rng, non_ascii_rate) for _ in range(rng.randint(3, 11))]
        shape = rng.randrange(5)
        if shape == 0:
            return f"    def {words[0]}_{words[1]}(self, {words[2]}): return {'.'.join(words[3:])}"
        if shape == 1:
            return (
                f"INFO [{rng.randint(1, 99):02d}] {' '.join(words)} took {rng.randint(1, 999)} ms"
            )
        if shape == 2:
            return f"src/{words[0]}/{words[1]}.py:{rng.randint(1, 900)}: {' '.join(words[2:])}"
        if shape == 3:
            return "\t".join(words) + f"\t{rng.randint(0, 10**6)}"
        return " ".join(words).capitalize() + "."

    def text_of(self, rng: random.Random, length: int) -> str:
        length = max(1, min(length, self.size))
        start = rng.randrange(self.size)
        return self.text[start : start + length]

    def prose(self, rng: random.Random, words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words))

    def opaque(self, rng: random.Random, length: int) -> str:
        """Base64-looking text (signatures, encrypted reasoning)."""
        length = max(16, min(length, len(self.blob) - 1))
        start = rng.randrange(len(self.blob) - length)
        return self.blob[start : start + length]


# ---------------------------------------------------------------------------------------------
# Output bookkeeping: one sink per file; every line carries a tag for the summary
# ---------------------------------------------------------------------------------------------


@dataclass
class Sink:
    """The lines of one log file, each with the tag that says how a correct reader counts it."""

    lines: list[str] = field(default_factory=list)
    tags: list[str | None] = field(default_factory=list)

    def add(self, record: Record, tag: str | None = None) -> None:
        self.lines.append(dumps(record))
        self.tags.append(tag)

    def raw(self, text: str, tag: str | None) -> None:
        self.lines.append(text)
        self.tags.append(tag)


@dataclass
class Output:
    """Writes files and tallies the expected summary and the sizes."""

    expected: dict[str, Counter[str]] = field(
        default_factory=lambda: {"claude": Counter(), "codex": Counter()}
    )
    files: int = 0
    bytes: int = 0

    def write(
        self,
        agent: str,
        path: Path,
        sink: Sink,
        retag: Callable[[str | None], str | None] | None = None,
        truncated_tail: str | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(line + "\n" for line in sink.lines)
        if truncated_tail is not None:
            data += truncated_tail
        encoded = data.encode("utf-8", "surrogateescape")
        path.write_bytes(encoded)
        self.files += 1
        self.bytes += len(encoded)
        tally = self.expected[agent]
        tally["lines"] += len(sink.lines) + (truncated_tail is not None)
        tally["truncated"] += truncated_tail is not None
        for tag in sink.tags:
            tag = retag(tag) if retag else tag
            for part in tag.split("+") if tag else ():
                tally[part] += 1

    def write_bytes(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)


def retag_steps(reason: str) -> Callable[[str | None], str | None]:
    """Copied lines count like the originals, except that their steps are set aside."""

    def retag(tag: str | None) -> str | None:
        if tag is None:
            return None
        parts = [reason if part in ("step", "subagent_step") else part for part in tag.split("+")]
        return "+".join(parts)

    return retag


def truncated_copy(record: Record, rng: random.Random) -> str:
    text = dumps(record)
    return text[: rng.randint(8, len(text) - 2)]


def bad_lines(sink: Sink) -> None:
    # a line that is not UTF-8 (a byte 0xFF, written through surrogateescape)
    sink.raw('{"type": "user", "text": "\udcff"}', "bad")
    sink.raw("this line is not JSON {", "bad")
    sink.raw("[1, 2, 3]", "bad")


# ---------------------------------------------------------------------------------------------
# Claude Code
# ---------------------------------------------------------------------------------------------


@dataclass
class ClaudeChain:
    """One conversation (main, sidechain or sub-agent) being written into a sink."""

    rng: random.Random
    corpus: Corpus
    sink: Sink
    session_id: str
    cwd: str
    version: str
    model: str
    clock: int
    sidechain: bool = False
    agent_id: str | None = None
    parent: str | None = None
    context: int = 0
    pending: int = 0
    system_tokens: int = 12_000
    step_tag: str = "step"
    tool_ids: list[str] = field(default_factory=list)

    def emit(self, record_type: str, body: Record, tag: str | None = None) -> str:
        uuid = uuid4(self.rng)
        record: Record = {"parentUuid": self.parent, "isSidechain": self.sidechain}
        if self.agent_id:
            record["agentId"] = self.agent_id
        record |= {
            "userType": "external",
            "entrypoint": "cli",
            "cwd": self.cwd,
            "sessionId": self.session_id,
            "version": self.version,
            "gitBranch": "main",
            "type": record_type,
        }
        record |= body
        record["uuid"] = uuid
        record["timestamp"] = iso(self.clock)
        self.sink.add(record, tag)
        self.parent = uuid
        return uuid

    def bookkeeping(self, record: Record) -> None:
        self.sink.add(record | {"sessionId": self.session_id})


@dataclass(frozen=True)
class ToolCall:
    call_id: str
    name: str
    input: Record
    emitted: int
    assistant_uuid: str


@dataclass
class ClaudeSession:
    """Where a Claude session's files go, and its edge-case role."""

    out: Output
    root: Path
    project: str
    role: str | None
    edge: bool
    extra: list[tuple[Path, Sink]] = field(default_factory=list)
    steps: int = 0


def claude_usage(chain: ClaudeChain, miss: bool) -> Record:
    rng = chain.rng
    fresh = rng.choice((1, 2, 2, 2, 3, 6, 12))
    if chain.context == 0 or miss:
        read = chain.system_tokens if rng.random() < 0.7 else 0
        creation = max(0, chain.context - read) + chain.pending + (0 if chain.context else 9000)
    else:
        read, creation = chain.context, chain.pending
    chain.context = read + creation
    output = lognormal_int(rng, 260, 1.0, 8, 16_000)
    chain.pending = output
    # About half the sessions write the 1-hour cache (a subscription's default), a few of their
    # writes split between both lifetimes; the split draws nothing from the random stream.
    hour = 0
    if chain.session_id[-1] in "02468ace":
        hour = creation // 2 if creation % 5 == 0 else creation
    return {
        "input_tokens": fresh,
        "cache_creation_input_tokens": creation,
        "cache_read_input_tokens": read,
        "output_tokens": output,
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard",
        "cache_creation": {
            "ephemeral_1h_input_tokens": hour,
            "ephemeral_5m_input_tokens": creation - hour,
        },
    }


TOOL_NAMES = ("Bash", "Read", "Read", "Edit", "Grep", "Glob", "Write", "WebSearch", "WebFetch")


def claude_tool_input(chain: ClaudeChain, name: str) -> Record:
    rng, corpus = chain.rng, chain.corpus
    path = f"{chain.cwd}/src/{rng.choice(WORDS)}/{rng.choice(FILE_NAMES)}"
    if name == "Bash":
        return {"command": f"rg -n {rng.choice(WORDS)} src | head -50", "description": "Search"}
    if name == "Read":
        return {"file_path": path}
    if name == "Edit":
        old = corpus.text_of(rng, rng.randint(40, 400))
        return {"file_path": path, "old_string": old, "new_string": old[::-1], "replace_all": False}
    if name == "Write":
        return {
            "file_path": path,
            "content": corpus.text_of(rng, lognormal_int(rng, 1800, 0.8, 80, 30_000)),
        }
    if name in ("Grep", "Glob"):
        return {"pattern": f"**/*{rng.choice(WORDS)}*", "path": chain.cwd}
    if name == "WebSearch":
        return {"query": corpus.prose(rng, rng.randint(4, 12))}
    if name == "WebFetch":
        return {"url": f"https://example.org/{rng.choice(WORDS)}", "prompt": corpus.prose(rng, 9)}
    return {
        "description": "Investigate",
        "prompt": corpus.prose(rng, 40),
        "subagent_type": "general-purpose",
    }


def claude_runner_result(chain: ClaudeChain, call: ToolCall, text: str, wall: int) -> Any:
    """toolUseResult as Claude Code writes it for each tool (durations only where real)."""
    rng = chain.rng
    name = call.name
    if name == "Bash":
        return {"stdout": text, "stderr": "", "interrupted": False, "isImage": False}
    if name == "Read":
        lines = text.count("\n") + 1
        file = {"filePath": call.input["file_path"], "content": text, "numLines": lines}
        return {"type": "text", "file": file | {"startLine": 1, "totalLines": lines}}
    if name == "Edit":
        return {
            "filePath": call.input["file_path"],
            "oldString": call.input["old_string"],
            "newString": call.input["new_string"],
            "originalFile": text,
            "structuredPatch": [{"oldStart": 1, "oldLines": 3, "newStart": 1, "newLines": 3}],
            "userModified": False,
            "replaceAll": False,
        }
    if name == "WebSearch":
        seconds = max(0.001, (wall - rng.randint(1, 6)) / 1000 + rng.random() / 1e6)
        return {"query": call.input["query"], "results": [text[:200]], "durationSeconds": seconds}
    if name == "WebFetch":
        size = len(text.encode("utf-8"))
        return {
            "bytes": size,
            "code": 200,
            "codeText": "OK",
            "result": text,
            "durationMs": wall - 3,
        }
    if name == "Glob":
        return {"filenames": text.split("\n")[:20], "durationMs": max(0, wall - 2), "numFiles": 20}
    if name == "Grep":
        return {"mode": "files_with_matches", "filenames": text.split("\n")[:20], "numFiles": 20}
    return {"type": "create", "filePath": call.input.get("file_path"), "structuredPatch": []}


def claude_user_prompt(chain: ClaudeChain, text: str, extra: Record | None = None) -> None:
    chain.emit("user", {"message": {"role": "user", "content": text}} | (extra or {}))
    chain.pending += len(text) // 4 + 1


def claude_blocks(chain: ClaudeChain, tools: list[str], reuse: list[str]) -> list[Record]:
    """The content blocks of one response: maybe thinking, maybe text, then the tool calls."""
    rng, corpus = chain.rng, chain.corpus
    blocks: list[Record] = []
    if rng.random() < 0.6:
        thinking = "" if rng.random() < 0.8 else corpus.text_of(rng, rng.randint(80, 2000))
        signature = corpus.opaque(rng, 400)
        blocks.append({"type": "thinking", "thinking": thinking, "signature": signature})
    if rng.random() < 0.7 or not tools:
        size = lognormal_int(rng, 180, 1.0, 5, 6000)
        blocks.append({"type": "text", "text": corpus.text_of(rng, size)})
    planned = list(reuse)
    for name in tools:
        call_id = planned.pop(0) if planned else "toolu_01" + random_string(rng, B62, 22)
        tool_input = claude_tool_input(chain, name)
        blocks.append({"type": "tool_use", "id": call_id, "name": name, "input": tool_input})
    return blocks


def claude_assistant(
    chain: ClaudeChain, tools: list[str], miss: bool, reuse: list[str] | None = None
) -> list[ToolCall]:
    """One model call: split records per block, partial usage first, final usage last."""
    rng = chain.rng
    message_id = "msg_01" + random_string(rng, B62, 22)
    request_id = "req_011C" + random_string(rng, B62, 20)
    usage = claude_usage(chain, miss)
    blocks = claude_blocks(chain, tools, reuse or [])
    stop = "tool_use" if tools else "end_turn"
    partial = len(blocks) > 1 and rng.random() < 0.6
    calls: list[ToolCall] = []
    for position, block in enumerate(blocks):
        final = position == len(blocks) - 1 or not partial
        message = {
            "model": chain.model,
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "content": [block],
            "stop_reason": stop if final else None,
            "stop_sequence": None,
            "usage": usage if final else usage | {"output_tokens": rng.randint(1, 9)},
        }
        tags = [chain.step_tag] if position == 0 else []
        if block["type"] == "tool_use" and block["id"] in chain.tool_ids:
            tags.append("repeated_call")
        body = {"message": message, "requestId": request_id}
        uuid = chain.emit("assistant", body, "+".join(tags) or None)
        if block["type"] == "tool_use":
            calls.append(ToolCall(block["id"], block["name"], block["input"], chain.clock, uuid))
            chain.tool_ids.append(block["id"])
        chain.clock += rng.randint(30, 2500)
    return calls


def claude_tool_result(
    chain: ClaudeChain, call: ToolCall, text: Any, runner: Any, error: bool
) -> None:
    block = {"tool_use_id": call.call_id, "type": "tool_result", "content": text, "is_error": error}
    body = {
        "message": {"role": "user", "content": [block]},
        "toolUseResult": runner,
        "sourceToolAssistantUUID": call.assistant_uuid,
    }
    chain.emit("user", body)
    chain.pending += len(dumps(text)) // 4 + 1


def claude_run_tools(session: ClaudeSession, chain: ClaudeChain, calls: list[ToolCall]) -> None:
    rng = chain.rng
    for call in calls:
        if call.name == "Task":
            claude_subagent(session, chain, call)
            continue
        wall = lognormal_int(
            rng, 180 if call.name not in ("WebSearch", "WebFetch") else 9000, 1.1, 3, 240_000
        )
        chain.clock = max(chain.clock, call.emitted + wall)
        wall = chain.clock - call.emitted
        text = chain.corpus.text_of(rng, lognormal_int(rng, 1500, 1.1, 20, 60_000))
        error = rng.random() < 0.04
        claude_tool_result(chain, call, text, claude_runner_result(chain, call, text, wall), error)
        chain.clock += rng.randint(2, 40)


def claude_subagent(session: ClaudeSession, chain: ClaudeChain, call: ToolCall) -> None:
    """A Task call: the sub-agent's own conversation (own file, or inline for old CLIs)."""
    rng = chain.rng
    inline = session.role == "inline_sidechain"
    agent_id = None if inline else random_string(rng, HEX, 17)
    sink = chain.sink if inline else Sink()
    sub = ClaudeChain(
        rng=rng,
        corpus=chain.corpus,
        sink=sink,
        session_id=chain.session_id,
        cwd=chain.cwd,
        version=chain.version,
        model=CLAUDE_MODELS[2],
        clock=call.emitted + rng.randint(50, 400),
        sidechain=True,
        agent_id=agent_id,
        system_tokens=6000,
        step_tag="subagent_step",
    )
    claude_user_prompt(sub, call.input.get("prompt", "Investigate"))
    turns = rng.randint(2, 6)
    for turn in range(turns):
        tools = [] if turn == turns - 1 else [rng.choice(("Read", "Grep", "Bash"))]
        sub.clock += rng.randint(800, 6000)
        calls = claude_assistant(sub, tools, miss=False)
        claude_run_tools(session, sub, calls)
    session.steps += turns
    if not inline:
        folder = session.root / session.project / chain.session_id / "subagents"
        session.extra.append((folder / f"agent-{agent_id}.jsonl", sink))
        meta = {"agentType": "general-purpose", "description": call.input.get("description")}
        session.out.write_bytes(folder / f"agent-{agent_id}.meta.json", dumps(meta).encode())
    chain.clock = sub.clock + rng.randint(5, 50)
    summary = [{"type": "text", "text": chain.corpus.text_of(rng, rng.randint(200, 3000))}]
    runner = {
        "status": "completed",
        "agentId": agent_id,
        "content": summary,
        "totalDurationMs": chain.clock - call.emitted,
    }
    claude_tool_result(chain, call, summary, runner, False)


def claude_request_start(chain: ClaudeChain, session: ClaudeSession, first: bool) -> None:
    rng = chain.rng
    if first and rng.random() < 0.3:
        chain.bookkeeping(
            {"type": "summary", "summary": chain.corpus.prose(rng, 8), "leafUuid": uuid4(rng)}
        )
    chain.bookkeeping({"type": "mode", "mode": "normal"})
    chain.bookkeeping(
        {"type": "permission-mode", "permissionMode": rng.choice(("default", "acceptEdits"))}
    )
    snapshot = {"messageId": uuid4(rng), "trackedFileBackups": {}, "timestamp": iso(chain.clock)}
    chain.bookkeeping(
        {
            "type": "file-history-snapshot",
            "messageId": snapshot["messageId"],
            "snapshot": snapshot,
            "isSnapshotUpdate": False,
        }
    )
    if session.edge and session.role == "live_unknown_blank":
        chain.sink.add(
            {"type": "x-trace-atlas-future-record", "sessionId": chain.session_id, "value": 1},
            "unknown",
        )


def claude_request_end(chain: ClaudeChain, prompt: str, first: bool) -> None:
    rng = chain.rng
    chain.clock += rng.randint(20, 300)
    if rng.random() < 0.5:
        chain.emit(
            "system",
            {
                "subtype": "stop_hook_summary",
                "hookCount": 1,
                "hookErrors": [],
                "level": "suggestion",
            },
        )
    chain.emit(
        "system",
        {"subtype": "turn_duration", "durationMs": rng.randint(2000, 300000), "isMeta": False},
    )
    chain.bookkeeping({"type": "last-prompt", "lastPrompt": prompt[:200], "leafUuid": chain.parent})
    if first:
        chain.bookkeeping({"type": "ai-title", "aiTitle": chain.corpus.prose(rng, 5)})


def claude_request(session: ClaudeSession, chain: ClaudeChain, first: bool, steps: int) -> None:
    """One user prompt and the model calls it triggers."""
    rng = chain.rng
    claude_request_start(chain, session, first)
    prompt = chain.corpus.text_of(rng, lognormal_int(rng, 160, 1.0, 3, 4000))
    if session.role == "non_ascii":
        prompt = " ".join(rng.choice(NON_ASCII) for _ in range(rng.randint(5, 40)))
    claude_user_prompt(chain, prompt)
    if session.edge and session.role == "synthetic_and_ids" and not first:
        claude_edge_synthetic(chain)
    miss = chain.context == 0 or rng.random() < 0.06
    for position in range(steps):
        last = position == steps - 1
        count = 0 if last else rng.choice((1, 1, 1, 1, 2, 3))
        tools = [rng.choice(TOOL_NAMES) for _ in range(count)]
        if not last and rng.random() < 0.05:
            tools.append("Task")
        reuse = None
        if (
            session.edge
            and session.role == "synthetic_and_ids"
            and position == 1
            and chain.tool_ids
        ):
            reuse, tools = [chain.tool_ids[0]], ["Read", *tools]
        chain.clock += rng.randint(900, 20000)
        calls = claude_assistant(chain, tools, miss and position == 0, reuse)
        session.steps += 1
        claude_run_tools(session, chain, calls)
    claude_request_end(chain, prompt, first)


def claude_edge_synthetic(chain: ClaudeChain) -> None:
    """An API error written as a <synthetic> assistant message, then a result for an unknown id."""
    rng = chain.rng
    message = {
        "id": uuid4(rng),
        "model": "<synthetic>",
        "role": "assistant",
        "type": "message",
        "content": [{"type": "text", "text": "API Error: 529 overloaded \u00b7 retrying"}],
        "stop_reason": "stop_sequence",
        "usage": {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }
    chain.emit("assistant", {"message": message, "isApiErrorMessage": True}, "synthetic")
    block = {
        "tool_use_id": "toolu_01" + random_string(rng, B62, 22),
        "type": "tool_result",
        "content": "stale",
    }
    chain.emit("user", {"message": {"role": "user", "content": [block]}}, "unknown_result")


def claude_compaction(chain: ClaudeChain) -> None:
    chain.emit(
        "system",
        {
            "subtype": "compact_boundary",
            "content": "Conversation compacted",
            "compactMetadata": {"trigger": "auto", "preTokens": chain.context},
        },
    )
    summary = (
        "This session is being continued from a previous conversation. "
        + chain.corpus.text_of(chain.rng, 3000)
    )
    chain.context = 0
    chain.pending = 0
    claude_user_prompt(
        chain, summary, {"isCompactSummary": True, "isVisibleInTranscriptOnly": True}
    )


def claude_chain(
    rng: random.Random, corpus: Corpus, project: str, role: str | None, clock: int
) -> ClaudeChain:
    old = role == "inline_sidechain"
    return ClaudeChain(
        rng=rng,
        corpus=corpus,
        sink=Sink(),
        session_id=uuid4(rng),
        cwd=f"/workspace/{project[len('-workspace-') :]}",
        version=OLD_CLAUDE_VERSION if old else CLAUDE_VERSION,
        model=rng.choice(CLAUDE_MODELS[:2]),
        clock=clock,
        system_tokens=rng.randint(9000, 16000),
    )


def claude_session(
    out: Output,
    root: Path,
    rng: random.Random,
    corpus: Corpus,
    budget: int,
    role: str | None,
    edge: bool,
) -> int:
    """Write one Claude session (and its sub-agent, fork and side files); return its steps."""
    project = f"-workspace-project-{rng.randrange(PROJECTS):02d}"
    session = ClaudeSession(out, root, project, role, edge)
    chain = claude_chain(rng, corpus, project, role, START_MS + rng.randrange(SPAN_MS))
    requests = max(1, min(8, round(budget / 9)))
    cut = (0, chain.clock)
    for index in range(requests):
        steps = max(1, min(40, int(rng.expovariate(1 / 8)) + 1))
        claude_request(session, chain, index == 0, steps)
        if index == 0:
            cut = (len(chain.sink.lines), chain.clock)
        chain.clock += rng.randint(30_000, 3_600_000)
    if role == "inline_sidechain":
        claude_compaction(chain)
        claude_inline_task(session, chain)
    claude_finish(session, chain, rng, cut)
    return session.steps


def claude_inline_task(session: ClaudeSession, chain: ClaudeChain) -> None:
    """An older-CLI request whose Task sub-agent is written inline (isSidechain: true)."""
    rng = chain.rng
    claude_user_prompt(chain, "Use a sub-agent to survey the code base")
    chain.clock += rng.randint(900, 5000)
    calls = claude_assistant(chain, ["Task"], miss=False)
    session.steps += 1
    claude_run_tools(session, chain, calls)
    chain.clock += rng.randint(900, 5000)
    claude_assistant(chain, [], miss=False)
    session.steps += 1


def claude_finish(
    session: ClaudeSession, chain: ClaudeChain, rng: random.Random, cut: tuple[int, int]
) -> None:
    folder = session.root / session.project
    path = folder / f"{chain.session_id}.jsonl"
    tail = None
    if session.edge and session.role == "live_unknown_blank":
        chain.sink.raw("", "blank")
        chain.bookkeeping({"type": "ai-title", "aiTitle": "still running"})
        tail = truncated_copy(
            {"type": "last-prompt", "lastPrompt": "half written", "sessionId": chain.session_id},
            rng,
        )
    if session.edge and session.role == "bad_lines":
        bad_lines(chain.sink)
    session.out.write("claude", path, chain.sink, truncated_tail=tail)
    for sub_path, sink in session.extra:
        session.out.write("claude", sub_path, sink)
    if session.role in ("fork_native", "fork_rewritten"):
        session.steps += claude_fork(session, chain, cut)
    if session.role == "btw":
        session.steps += claude_btw(session, chain)


def claude_fork(session: ClaudeSession, chain: ClaudeChain, cut: tuple[int, int]) -> int:
    """A new session file that starts with a copy of the first request, then goes on."""
    rng = chain.rng
    lines, clock = cut
    fork = claude_chain(
        rng, chain.corpus, session.project, None, clock + rng.randint(60_000, 600_000)
    )
    prefix = chain.sink.lines[:lines]
    if session.role == "fork_rewritten":
        old, new = f'"sessionId":"{chain.session_id}"', f'"sessionId":"{fork.session_id}"'
        prefix = [line.replace(old, new) for line in prefix]
    retag = retag_steps("fork_copy")
    copied = Sink(list(prefix), [retag(tag) for tag in chain.sink.tags[:lines]])
    fork.sink = copied
    fork.parent = json.loads(prefix[-1]).get("uuid")
    fork.context, fork.model = chain.system_tokens, chain.model
    fork_session = ClaudeSession(session.out, session.root, session.project, None, False)
    claude_request(fork_session, fork, False, rng.randint(2, 6))
    session.out.write("claude", session.root / session.project / f"{fork.session_id}.jsonl", copied)
    for sub_path, sink in fork_session.extra:
        session.out.write("claude", sub_path, sink)
    return fork_session.steps


def claude_btw(session: ClaudeSession, chain: ClaudeChain) -> int:
    """A /btw side question: a sidechain log replaying the last answers, then its own answer."""
    rng = chain.rng
    replay = Sink()
    openings = [i for i, tag in enumerate(chain.sink.tags) if tag == "step"][-2:]
    start = openings[0] if openings else len(chain.sink.lines)
    for line, tag in zip(chain.sink.lines[start:], chain.sink.tags[start:], strict=True):
        record = json.loads(line)
        if record.get("type") != "assistant":
            continue
        record["isSidechain"] = True
        record["requestId"] = "req_011C" + random_string(rng, B62, 20)
        replay.add(record, "btw_replay" if tag == "step" else None)
    side = ClaudeChain(
        rng,
        chain.corpus,
        replay,
        chain.session_id,
        chain.cwd,
        chain.version,
        chain.model,
        chain.clock + 5000,
        sidechain=True,
        step_tag="subagent_step",
    )
    claude_user_prompt(side, "/btw what does the retry limit default to?")
    side.clock += rng.randint(900, 4000)
    claude_assistant(side, [], miss=False)
    session.out.write("claude", session.root / session.project / f"{uuid4(rng)}.jsonl", replay)
    return 1


# ---------------------------------------------------------------------------------------------
# Codex CLI
# ---------------------------------------------------------------------------------------------


@dataclass
class CodexSession:
    """A Codex rollout being written."""

    rng: random.Random
    corpus: Corpus
    session_id: str
    start: int
    clock: int
    cwd: str
    model: str | None
    role: str | None
    edge: bool
    sink: Sink = field(default_factory=Sink)
    context: int = 0
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USAGE_KEYS, 0))
    last_info: Record | None = None
    turn_id: str | None = None
    steps: int = 0
    call_ids: list[str] = field(default_factory=list)
    step_tag: str = "step"

    def add(self, kind: str, payload: Record, tag: str | None = None) -> None:
        self.sink.add({"timestamp": iso(self.clock), "type": kind, "payload": payload}, tag)

    def tick(self, low: int, high: int) -> None:
        self.clock += self.rng.randint(low, high)


USAGE_KEYS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


def codex_rate_limits(rng: random.Random) -> Record:
    return {
        "primary": {
            "used_percent": round(rng.random() * 80, 1),
            "window_minutes": 300,
            "resets_at": 1_778_000_000 + rng.randrange(10**6),
        },
        "secondary": {
            "used_percent": round(rng.random() * 40, 1),
            "window_minutes": 10080,
            "resets_at": 1_778_500_000,
        },
    }


def codex_usage(session: CodexSession, miss: bool) -> Record:
    rng = session.rng
    appended = session.context and lognormal_int(rng, 900, 1.0, 40, 40_000)
    total_input = (session.context or rng.randint(8000, 12000)) + appended
    cached = 0 if miss or not session.context else (session.context // 128) * 128
    output = lognormal_int(rng, 220, 1.0, 5, 12_000)
    reasoning = min(output, int(output * rng.random()))
    session.context = total_input + output
    return {
        "input_tokens": total_input,
        "cached_input_tokens": cached,
        "output_tokens": output,
        "reasoning_output_tokens": reasoning,
        "total_tokens": total_input + output,
    }


def codex_token_count(session: CodexSession, miss: bool) -> None:
    last = codex_usage(session, miss)
    for key in USAGE_KEYS:
        session.totals[key] += last[key]
    info = {
        "total_token_usage": dict(session.totals),
        "last_token_usage": last,
        "model_context_window": CONTEXT_WINDOW,
    }
    session.last_info = info
    session.add(
        "event_msg",
        {"type": "token_count", "info": info, "rate_limits": codex_rate_limits(session.rng)},
        session.step_tag,
    )
    session.steps += 1


def codex_meta(session: CodexSession, extra: Record | None = None) -> None:
    payload = {
        "id": session.session_id,
        "timestamp": iso(session.start),
        "cwd": session.cwd,
        "originator": "codex_cli_rs",
        "cli_version": CODEX_VERSION,
        "source": "cli",
        "model_provider": "openai",
        "base_instructions": {"text": session.corpus.text[:9000]},
        "git": {"commit_hash": random_string(session.rng, HEX, 40), "branch": "main"},
    }
    session.add("session_meta", payload | (extra or {}))


def codex_context_messages(session: CodexSession) -> None:
    perms = {
        "type": "input_text",
        "text": "<permissions instructions>" + session.corpus.text[9000:10500],
    }
    session.add("response_item", {"type": "message", "role": "developer", "content": [perms]})
    agents = {
        "type": "input_text",
        "text": "# AGENTS.md instructions\n" + session.corpus.text_of(session.rng, 1800),
    }
    session.add("response_item", {"type": "message", "role": "user", "content": [agents]})


def codex_turn_start(session: CodexSession, prompt: str) -> None:
    rng = session.rng
    legacy = session.role == "legacy"
    session.turn_id = None if legacy else uuid7(rng, session.clock)
    if not legacy:
        session.add(
            "event_msg",
            {
                "type": "task_started",
                "turn_id": session.turn_id,
                "model_context_window": CONTEXT_WINDOW,
            },
        )
        if session.last_info is not None and rng.random() < 0.5:
            session.add(
                "event_msg",
                {
                    "type": "token_count",
                    "info": session.last_info,
                    "rate_limits": codex_rate_limits(rng),
                },
                "unchanged",
            )
        context = {
            "turn_id": session.turn_id,
            "cwd": session.cwd,
            "approval_policy": "on-request",
            "sandbox_policy": {"type": "workspace-write"},
            "model": session.model,
            "effort": "high",
            "summary": "auto",
        }
        session.add("turn_context", context)
    session.add(
        "response_item",
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]},
    )
    session.add(
        "event_msg", {"type": "user_message", "message": prompt, "images": [], "local_images": []}
    )


def codex_exec_output(session: CodexSession, wall: int, code: int) -> tuple[str, str]:
    rng = session.rng
    text = session.corpus.text_of(rng, lognormal_int(rng, 1400, 1.1, 1, 60_000))
    inner = max(0, wall - rng.randint(1, 30)) / 1000
    head = f"Chunk ID: {random_string(rng, HEX, 6)}\nWall time: {inner:.4f} seconds\n"
    status = (
        f"Process exited with code {code}\n"
        if rng.random() < 0.93
        else f"Process running with session ID {rng.randint(1000, 99999)}\n"
    )
    return head + status + f"Original token count: {len(text) // 4}\nOutput:\n{text}", text


def codex_call(session: CodexSession) -> tuple[str, str, Record]:
    """A tool call record: exec_command (function_call), apply_patch (custom), or legacy shell."""
    rng = session.rng
    call_id = "call_" + random_string(rng, B62, 24)
    if session.role == "legacy":
        arguments = dumps(
            {
                "command": ["bash", "-lc", f"rg {rng.choice(WORDS)}"],
                "workdir": session.cwd,
                "timeout_ms": 10000,
            }
        )
        return (
            call_id,
            "shell",
            {"type": "function_call", "name": "shell", "arguments": arguments, "call_id": call_id},
        )
    if rng.random() < 0.15:
        patch = (
            "*** Begin Patch\n*** Update File: src/app.py\n@@\n-"
            + session.corpus.text_of(rng, rng.randint(50, 1500))
            + "\n*** End Patch"
        )
        return (
            call_id,
            "apply_patch",
            {
                "type": "custom_tool_call",
                "status": "completed",
                "call_id": call_id,
                "name": "apply_patch",
                "input": patch,
            },
        )
    arguments = dumps(
        {
            "cmd": f"rg -n {rng.choice(WORDS)} src",
            "workdir": session.cwd,
            "max_output_tokens": 2000,
            "yield_time_ms": 1000,
        }
    )
    return (
        call_id,
        "exec_command",
        {
            "type": "function_call",
            "name": "exec_command",
            "arguments": arguments,
            "call_id": call_id,
        },
    )


PATCH_STDOUT = "Success. Updated the following files:\nM src/app.py\n"


def codex_patch_result(session: CodexSession, call_id: str) -> None:
    """apply_patch: patch_apply_end first, then the custom_tool_call_output (a duplicate)."""
    end = {"type": "patch_apply_end", "call_id": call_id, "turn_id": session.turn_id}
    session.add("event_msg", end | {"stdout": PATCH_STDOUT, "stderr": "", "success": True})
    metadata = {"exit_code": 0, "duration_seconds": 0.0}
    payload = {"type": "custom_tool_call_output", "call_id": call_id}
    output = dumps({"output": PATCH_STDOUT, "metadata": metadata})
    session.add("response_item", payload | {"output": output}, "repeated_result")


def codex_shell_result(session: CodexSession, call_id: str, wall: int, code: int) -> None:
    """Legacy `shell`: a JSON output with metadata.exit_code, no Wall time line."""
    text = session.corpus.text_of(session.rng, lognormal_int(session.rng, 1400, 1.1, 1, 60_000))
    metadata = {"exit_code": code, "duration_seconds": wall / 1000}
    output = dumps({"output": text, "metadata": metadata})
    session.add(
        "response_item", {"type": "function_call_output", "call_id": call_id, "output": output}
    )


def codex_exec_result(session: CodexSession, call_id: str, wall: int, code: int) -> None:
    """exec_command: sometimes an exec_command_end event first, then the function output."""
    output, text = codex_exec_output(session, wall, code)
    duplicate = session.rng.random() < 0.2
    if duplicate:
        duration = {"secs": wall // 1000, "nanos": (wall % 1000) * 1_000_000}
        end = {"type": "exec_command_end", "call_id": call_id, "turn_id": session.turn_id}
        end |= {"stdout": text, "stderr": "", "aggregated_output": text, "exit_code": code}
        session.add("event_msg", end | {"duration": duration, "formatted_output": text})
    payload = {"type": "function_call_output", "call_id": call_id, "output": output}
    session.add("response_item", payload, "repeated_result" if duplicate else None)


def codex_result(session: CodexSession, call_id: str, name: str, emitted: int) -> None:
    rng = session.rng
    wall = lognormal_int(rng, 120, 1.2, 2, 120_000)
    session.clock = max(session.clock, emitted + wall)
    code = 0 if rng.random() < 0.9 else 1
    if name == "apply_patch":
        codex_patch_result(session, call_id)
    elif name == "shell":
        codex_shell_result(session, call_id, wall, code)
    else:
        codex_exec_result(session, call_id, wall, code)


def codex_model_call(
    session: CodexSession, tools: int, miss: bool, final: bool
) -> list[tuple[str, str, int]]:
    """Reasoning, a message, tool calls, then the token_count of the call."""
    rng, corpus = session.rng, session.corpus
    session.tick(600, 9000)
    session.add(
        "response_item",
        {
            "type": "reasoning",
            "summary": [],
            "content": None,
            "encrypted_content": corpus.opaque(rng, lognormal_int(rng, 1800, 0.7, 200, 40_000)),
        },
    )
    if final or rng.random() < 0.6:
        text = corpus.text_of(rng, lognormal_int(rng, 200, 1.0, 5, 5000))
        phase = "final_answer" if final else "commentary"
        session.tick(50, 2000)
        session.add("event_msg", {"type": "agent_message", "message": text, "phase": phase})
        session.add(
            "response_item",
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
                "phase": phase,
            },
        )
    calls = []
    for _ in range(tools):
        session.tick(1, 60)
        call_id, name, payload = codex_call(session)
        session.add("response_item", payload)
        calls.append((call_id, name, session.clock))
        session.call_ids.append(call_id)
    session.tick(5, 40)
    codex_token_count(session, miss)
    return calls


def codex_turn(session: CodexSession, calls_in_turn: int) -> None:
    rng = session.rng
    prompt = session.corpus.text_of(rng, lognormal_int(rng, 150, 1.0, 3, 3000))
    codex_turn_start(session, prompt)
    miss = rng.random() < 0.08
    for position in range(calls_in_turn):
        final = position == calls_in_turn - 1
        tools = 0 if final else rng.choice((1, 1, 1, 2, 3))
        calls = codex_model_call(session, tools, miss and position == 0, final)
        for call_id, name, emitted in calls:
            codex_result(session, call_id, name, emitted)
        if (
            session.edge
            and session.role == "ids"
            and position == 0
            and len(session.call_ids) > tools
        ):
            codex_edge_ids(session)
    session.tick(2, 30)
    if session.turn_id is not None:
        session.add(
            "event_msg",
            {"type": "task_complete", "turn_id": session.turn_id, "last_agent_message": None},
        )


def codex_edge_ids(session: CodexSession) -> None:
    """A result for a call id never issued, a call id issued twice, a call without an id (not a
    tool), and a token_count whose info lacks its total usage (usage_missing)."""
    session.add(
        "response_item",
        {
            "type": "function_call_output",
            "call_id": "call_" + random_string(session.rng, B62, 24),
            "output": "orphan",
        },
        "unknown_result",
    )
    again = session.call_ids[0]
    session.add(
        "response_item",
        {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": again},
        "repeated_call",
    )
    session.add(
        "response_item", {"type": "function_call", "name": "exec_command", "arguments": "{}"}
    )
    usage = {"input_tokens": 1, "cached_input_tokens": 0, "output_tokens": 1, "total_tokens": 2}
    session.add(
        "event_msg",
        {"type": "token_count", "info": {"last_token_usage": usage}, "rate_limits": None},
        "usage_missing",
    )


def codex_new_session(
    rng: random.Random, corpus: Corpus, clock: int, role: str | None, edge: bool
) -> CodexSession:
    session_id = uuid7(rng, clock)
    project = f"project-{rng.randrange(PROJECTS):02d}"
    model = None if role == "legacy" else rng.choice(CODEX_MODELS)
    return CodexSession(
        rng,
        corpus,
        session_id,
        clock,
        clock + rng.randint(5, 50),
        f"/workspace/{project}",
        model,
        role,
        edge,
    )


def codex_rollout_path(root: Path, folder: str, session: CodexSession) -> Path:
    stamp = time.gmtime(session.start // 1000)
    name = f"rollout-{time.strftime('%Y-%m-%dT%H-%M-%S', stamp)}-{session.session_id}.jsonl"
    if folder == "archived_sessions":
        return root / folder / name
    return root / folder / time.strftime("%Y/%m/%d", stamp) / name


def codex_body(session: CodexSession, turns: int) -> list[int]:
    """The session's turns; returns the line count after each turn (cut points)."""
    rng = session.rng
    codex_meta(session)
    codex_context_messages(session)
    session.add(
        "event_msg",
        {"type": "token_count", "info": None, "rate_limits": codex_rate_limits(rng)},
        "info_null",
    )
    cuts = []
    for _ in range(turns):
        codex_turn(session, max(1, min(40, int(rng.expovariate(1 / 9)) + 1)))
        cuts.append(len(session.sink.lines))
        session.clock += rng.randint(20_000, 1_800_000)
    return cuts


def codex_session(
    out: Output,
    root: Path,
    rng: random.Random,
    corpus: Corpus,
    budget: int,
    role: str | None,
    edge: bool,
) -> int:
    """Write one Codex session (and its replay, fork and archive files); return its steps."""
    session = codex_new_session(rng, corpus, START_MS + rng.randrange(SPAN_MS), role, edge)
    cuts = codex_body(session, max(1, min(6, round(budget / 10))))
    tail = None
    if edge and role == "live_unknown_blank":
        session.sink.raw("", "blank")
        session.add("x_future_envelope", {"type": "x"}, "unknown")
        session.add("event_msg", {"type": "x_future_event", "value": 1}, "unknown")
        tail = truncated_copy(
            {
                "timestamp": iso(session.clock),
                "type": "event_msg",
                "payload": {"type": "task_complete"},
            },
            rng,
        )
    if edge and role == "bad_lines":
        bad_lines(session.sink)
    folder = "archived_sessions" if role == "archived_only" else "sessions"
    path = codex_rollout_path(root, folder, session)
    out.write("codex", path, session.sink, truncated_tail=tail)
    steps = session.steps
    if role == "archived_copy":
        copy = codex_rollout_path(root, "archived_sessions", session)
        out.write("codex", copy, session.sink, retag=retag_steps("archived_duplicate_file"))
    if role in ("subagent_parent", "fork_parent"):
        steps += codex_child(out, root, session, cuts[0], role == "subagent_parent")
    return steps


def codex_child(out: Output, root: Path, parent: CodexSession, cut: int, subagent: bool) -> int:
    """A sub-agent or fork rollout: its own session_meta, the parent's history, then its turns."""
    rng = parent.rng
    clock = parent.clock + rng.randint(60_000, 600_000)
    child = codex_new_session(rng, parent.corpus, clock, None, False)
    child.model = parent.model
    if subagent:
        source = {"subagent": {"thread_spawn": {"parent_thread_id": parent.session_id, "depth": 1}}}
        codex_meta(child, {"source": source})
    else:
        codex_meta(child, {"forked_from_id": parent.session_id})
    reason = "codex_subagent_replay" if subagent else "codex_fork_replay"
    retag = retag_steps(reason)
    child.sink.lines.extend(parent.sink.lines[:cut])
    child.sink.tags.extend(retag(tag) for tag in parent.sink.tags[:cut])
    child.step_tag = "subagent_step" if subagent else "step"
    child.clock += rng.randint(1000, 5000)
    turns = rng.randint(1, 3)
    for _ in range(turns):
        codex_turn(child, rng.randint(2, 6))
        child.clock += rng.randint(5000, 60_000)
    out.write("codex", codex_rollout_path(root, "sessions", child), child.sink)
    return child.steps


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def roles(names: tuple[str, ...], edge: bool, bad: bool) -> list[str]:
    """The edge-case roles of a run: every role once (bad_lines only with --bad-lines)."""
    if not edge:
        return ["bad_lines"] if bad else []
    return [name for name in names if name != "bad_lines" or bad]


def role_of(index: int, usable: list[str]) -> str | None:
    """Sessions 0..n-1 take each role once; later every EDGE_EVERY-th session takes one."""
    if index < len(usable):
        return usable[index]
    if usable and index % EDGE_EVERY == 0:
        return usable[(index // EDGE_EVERY) % len(usable)]
    return None


SessionWriter = Callable[[Output, Path, random.Random, Corpus, int, "str | None", bool], int]


def generate_agent(
    writer: SessionWriter,
    out: Output,
    root: Path,
    seed: int,
    target: int,
    usable: list[str],
    edge: bool,
) -> int:
    """Sessions until the step target is reached and every role was written; the steps."""
    master = random.Random(seed)
    corpus = Corpus(random.Random(master.getrandbits(64)), 0.03 if edge else 0.01)
    done = 0
    index = 0
    while done < target or index < len(usable):
        role = role_of(index, usable)
        rng = random.Random(master.getrandbits(64))
        budget = max(4, int(rng.expovariate(1 / 28)) + 4)
        done += writer(out, root, rng, corpus, budget, role, edge or role is not None)
        index += 1
    return done


def summary(out: Output) -> dict[str, Any]:
    """What a correct reader must find, from the generator's own tally of each line."""
    result: dict[str, Any] = {}
    for agent, tally in out.expected.items():
        set_aside = {
            reason: tally[reason]
            for reason in (
                ("btw_replay", "fork_copy")
                if agent == "claude"
                else (
                    "archived_duplicate_file",
                    "codex_subagent_replay",
                    "codex_fork_replay",
                )
            )
        }
        result[agent] = {
            "lines": tally["lines"],
            "steps_kept": tally["step"] + tally["subagent_step"],
            "subagent_steps_kept": tally["subagent_step"],
            "set_aside": set_aside,
            "synthetic_records": tally["synthetic"],
            "token_counts": {
                "unchanged_total": tally["unchanged"],
                "info_null": tally["info_null"],
                "usage_missing": tally["usage_missing"],
            },
            "truncated_last_line": tally["truncated"],
            "bad": tally["bad"],
            "blank": tally["blank"],
            "ignored_unknown": tally["unknown"],
            "tools": {
                "result_for_unknown_id": tally["unknown_result"],
                "repeated_call_id": tally["repeated_call"],
                "repeated_result": tally["repeated_result"],
            },
        }
    return result


HELP_DESCRIPTION = """\
Write synthetic raw session logs of Claude Code and Codex CLI - the agents' own JSONL
formats and folder layouts - to test and benchmark Trace Atlas's reading of raw logs
(docs/raw_logs_rules.md). No real session is needed; nothing is downloaded.

  --claude-root DIR  becomes a Claude Code projects folder (like ~/.claude/projects):
                     DIR/<project>/<session>.jsonl, sub-agents in
                     DIR/<project>/<session>/subagents/agent-<id>.jsonl
  --codex-root DIR   becomes a Codex home (like ~/.codex):
                     DIR/sessions/YYYY/MM/DD/rollout-<start>-<uuid>.jsonl
                     (+ DIR/archived_sessions/ with --edge-cases)

Use new or empty folders: existing files are left in place and would be read too.
The same arguments always write byte-identical files. A step (one model call)
averages about 10 KB of raw log; 300,000 steps take about a CPU-minute."""

HELP_EPILOG = """\
examples:
  %(prog)s --claude-root /tmp/raw/claude --codex-root /tmp/raw/codex
  %(prog)s --claude-root c --codex-root x --steps 3000 --edge-cases --summary expected.json
  python tests/raw_logs_reference.py --claude c --codex x -o steps.jsonl   # read them back"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=HELP_DESCRIPTION,
        epilog=HELP_EPILOG,
    )
    parser.add_argument(
        "--claude-root",
        type=Path,
        metavar="DIR",
        help="write Claude Code logs here (a projects folder)",
    )
    parser.add_argument(
        "--codex-root", type=Path, metavar="DIR", help="write Codex logs here (a Codex home)"
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=DEFAULT_STEPS,
        metavar="N",
        help=f"approximate number of model calls (steps) in total, sub-agents included "
        f"(default {DEFAULT_STEPS}); with both roots about 40%% go to Claude",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--edge-cases",
        action="store_true",
        help="include every edge case of docs/raw_logs_rules.md (forks, replays, sidechains, "
        "archived copies, truncated last lines, unknown records, ...)",
    )
    parser.add_argument(
        "--bad-lines",
        action="store_true",
        help="also write a few lines that are not JSON objects, one not UTF-8 (a strict reader"
        " stops on them)",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="write the expected reading (steps kept / set aside, skipped lines, ...) as JSON",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress report on stderr")
    args = parser.parse_args(argv)
    if args.claude_root is None and args.codex_root is None:
        parser.error("give --claude-root and/or --codex-root")
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    out = Output()
    share = CLAUDE_SHARE if args.claude_root and args.codex_root else 1.0
    steps = {"claude": 0, "codex": 0}
    if args.claude_root:
        target = max(1, round(args.steps * share))
        usable = roles(CLAUDE_ROLES, args.edge_cases, args.bad_lines)
        steps["claude"] = generate_agent(
            claude_session, out, args.claude_root, args.seed, target, usable, args.edge_cases
        )
    if args.codex_root:
        target = max(1, args.steps - steps["claude"]) if args.claude_root else args.steps
        usable = roles(CODEX_ROLES, args.edge_cases, args.bad_lines)
        steps["codex"] = generate_agent(
            codex_session, out, args.codex_root, args.seed + 1, target, usable, args.edge_cases
        )
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(summary(out), indent=2) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    if not args.quiet:
        total = steps["claude"] + steps["codex"]
        print(
            f"wrote {total} steps (claude {steps['claude']}, codex {steps['codex']}) in "
            f"{out.files} files, {out.bytes / 1e6:.1f} MB, {seconds:.1f} s "
            f"({total / max(seconds, 1e-9):.0f} steps/s, "
            f"{out.bytes / 1e6 / max(seconds, 1e-9):.1f} MB/s)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
