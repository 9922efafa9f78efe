"""Generate a synthetic, normalized coding-agent trace (JSONL) for Trace Atlas.

Each output line is one *agent step* (one model call) in the normalized shape of
docs/input_format.md: identity fields, token accounting (``prefix_tokens`` = cached
input, ``newly_append_tokens`` = newly charged input), current-input summaries,
an ordered ``timing_events`` list and the step's ``tools``.

The stream is a sequence of sessions. About 39% of the steps come from ``claude``
sessions and 61% from ``codex`` sessions. A session is a few user requests; each
request is one user-initiated step (first timing event ``user_message``) followed
by a loop of tool-triggered steps (first timing event ``tool_result``). The
context grows through a session; most steps hit the prompt cache for everything
but the newest tokens, while new sessions, cache expiries after a pause,
compactions and occasional evictions form a low-ratio tail concentrated in
user-initiated steps. Token-weighted hit rates land near the public pool's
(the public pool's published figures). A few percent of steps are realistically non-eligible (first
event ``reasoning``/``text``/``tool_call``, or no timing events at all), and
``first_input_event_type`` is often null.

With ``--edge-cases`` about 8% of the lines are replaced, deterministically and
spread through the file, by every edge case docs/input_format.md and docs/method.md names (null,
absent or other providers, missing/null/empty timing events, other first event
types, null or absent tokens, zero totals, ratios exactly 0, 1 and on every bin
edge, duplicated ids, events lacking keys, counts above 2**31, minimal lines,
keys that first appear in the last lines). Every line is still a valid JSON
object whose token values are non-negative integers or null.

The same seed and arguments always produce byte-identical files. Only the
standard library is used; steps are streamed, never held in memory.

Examples::

    python tools/generate_trace.py --steps 2000 -o data/small.jsonl
    python tools/generate_trace.py --steps 2000 --edge-cases -o data/edge.jsonl
    python tools/generate_trace.py --steps 357161 --files 8 -o data/pool/trace.jsonl.gz
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import gzip
import itertools
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

Step = dict[str, Any]

DEFAULT_SEED = 20260601
EDGE_SEED_OFFSET = 7_919_000_001
EPOCH = datetime(2026, 6, 1, tzinfo=UTC)
SPAN_MS = 60 * 24 * 3600 * 1000  # sessions start within 60 days of the epoch
# Claude sessions are shorter; this session share gives ~39% of the steps to Claude.
CLAUDE_SESSION_SHARE = 0.487
EDGE_PERIOD = 12  # one edge line every EDGE_PERIOD lines (~8%)
LATE_LINES = 4  # edge mode: the last lines carry keys/values never seen before
WRITE_BATCH = 2000
JSON_SEPARATORS = (",", ":")
KNOWN_SUFFIXES = (".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".gz")

USER_SOURCE = "user.content.text"
TOOL_RESULT_SOURCE = "user.content.tool_result"


@dataclass(frozen=True)
class Profile:
    """Behaviour of one agent harness (provider)."""

    name: str
    store: str
    models: tuple[tuple[str, float], ...]
    tools: tuple[tuple[str, float], ...]
    call_id_prefix: str
    sources: dict[str, str]
    system_tokens: tuple[int, int]  # system prompt + tool schemas
    system_cached_prob: float  # first step of a session finds the system prompt cached
    ttl_ms: int  # prompt-cache lifetime
    long_ttl_prob: float  # share of sessions using a one-hour cache lifetime
    miss_prob: float  # cache eviction inside a tool loop
    partial_prob: float  # only part of the previous input is served from cache
    full_hit_prob: float  # append 0 (ratio exactly 1)
    context_limit: int  # compaction threshold
    prefix_block: int  # cached tokens are reported in multiples of this
    reasoning_prob: float
    text_prob: float
    usage_report_prob: float
    parallel_calls: tuple[float, ...]  # cumulative P(1 call), P(<=2), ...
    mean_tool_steps: float  # mean length of the tool loop after a user message


CLAUDE = Profile(
    name="claude",
    store=".claude",
    models=(("claude-opus-4-8", 0.55), ("claude-sonnet-4-6", 0.35), ("claude-haiku-4-5", 0.10)),
    tools=(
        ("Read", 0.30),
        ("Bash", 0.24),
        ("Edit", 0.16),
        ("Grep", 0.10),
        ("Glob", 0.06),
        ("Write", 0.05),
        ("TodoWrite", 0.05),
        ("WebFetch", 0.02),
        ("Task", 0.02),
    ),
    call_id_prefix="toolu_01",
    sources={
        "reasoning": "assistant.content.thinking",
        "text": "assistant.content.text",
        "tool_call": "assistant.content.tool_use",
        "usage_report": "assistant.usage",
    },
    system_tokens=(18_000, 34_000),
    system_cached_prob=0.85,
    ttl_ms=5 * 60 * 1000,
    long_ttl_prob=0.5,
    miss_prob=0.003,
    partial_prob=0.004,
    full_hit_prob=0.004,
    context_limit=165_000,
    prefix_block=1,
    reasoning_prob=0.25,
    text_prob=0.55,
    usage_report_prob=0.05,
    parallel_calls=(0.72, 0.85, 0.93, 0.97, 1.0),
    mean_tool_steps=5.5,
)

CODEX = Profile(
    name="codex",
    store=".codex",
    models=(("gpt-5-codex", 0.6), ("gpt-5.1-codex", 0.3), ("gpt-5.1-codex-mini", 0.1)),
    tools=(("shell", 0.68), ("apply_patch", 0.2), ("update_plan", 0.08), ("view_image", 0.04)),
    call_id_prefix="call_",
    sources={
        "reasoning": "response_item.reasoning",
        "text": "response_item.message",
        "tool_call": "response_item.function_call",
        "usage_report": "event_msg.token_count",
    },
    system_tokens=(11_000, 22_000),
    system_cached_prob=0.35,
    ttl_ms=390 * 1000,
    long_ttl_prob=0.0,
    miss_prob=0.004,
    partial_prob=0.011,
    full_hit_prob=0.003,
    context_limit=230_000,
    prefix_block=128,
    reasoning_prob=0.8,
    text_prob=0.35,
    usage_report_prob=0.55,
    parallel_calls=(0.9, 0.97, 1.0),
    mean_tool_steps=9.0,
)

USERS = ("alice", "bo", "chen", "dmitri", "eve", "farah", "gus", "hana", "ivo", "jun")
N_PROJECTS = 48


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _hex(rng: random.Random, digits: int) -> str:
    return format(rng.getrandbits(4 * digits), f"0{digits}x")


def _lognormal_int(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    return min(cap, int(rng.lognormvariate(math.log(median), sigma)))


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    pick = rng.random() * sum(weight for _, weight in choices)
    for name, weight in choices:
        pick -= weight
        if pick < 0:
            return name
    return choices[-1][0]


@functools.lru_cache(maxsize=8192)
def _minute_prefix(minute: int) -> str:
    return (EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")


def format_ts(ms: int) -> str:
    """Milliseconds since EPOCH -> ISO 8601 UTC with milliseconds and a ``Z``."""
    minute, rest = divmod(ms, 60_000)
    second, milli = divmod(rest, 1000)
    return f"{_minute_prefix(minute)}{second:02d}.{milli:03d}Z"


# ---------------------------------------------------------------------------
# Sessions and steps
# ---------------------------------------------------------------------------


@dataclass
class Session:
    """Static identity of one session plus its evolving cache/context state."""

    profile: Profile
    fields: Step  # identity fields copied into every step, in output order
    claude_keys: str  # "present", "absent" or "null"
    first_type_hidden: bool  # this session's normalizer never sets first_input_event_type
    system_tokens: int
    ttl_ms: int
    system_cached: int  # tokens of the system prompt found in cache at session start
    prev_input: int = 0
    context: int = 0
    last_call_ms: int = 0
    round_index: int = 0
    prev_round_id: str = ""


@dataclass
class PlannedCall:
    """A tool call emitted by one step, whose result opens the next step."""

    call_id: str
    name: str
    index: int
    emitted_ms: int
    result_ms: int
    result_chars: int
    input_chars: int
    is_error: bool
    internal_ms: int | None


@dataclass
class StepInput:
    """What the model reads new at the start of a step."""

    events: list[Step] = field(default_factory=list)
    first_ms: int = 0
    last_ms: int = 0
    user_chars: int = 0
    tool_chars: int = 0
    user_count: int = 0
    tool_count: int = 0
    tokens: int = 0


def _new_session(rng: random.Random, projects: list[str]) -> Session:
    profile = CLAUDE if rng.random() < CLAUDE_SESSION_SHARE else CODEX
    user = USERS[rng.randrange(len(USERS))]
    home = f"/Users/{user}" if rng.random() < 0.4 else f"/home/{user}"
    project = projects[rng.randrange(len(projects))]
    sid = _hex(rng, 32)
    start_ms = rng.randrange(SPAN_MS)
    if profile is CLAUDE:
        path_slug = (home + "/src/" + project).replace("/", "-")
        session_file = f"{home}/.claude/projects/{path_slug}/{sid}.jsonl"
    else:
        stamp = format_ts(start_ms)[:19].replace(":", "-")
        day_folder = stamp[:10].replace("-", "/")
        session_file = f"{home}/.codex/sessions/{day_folder}/rollout-{stamp}-{sid}.jsonl"
    system_tokens = rng.randint(*profile.system_tokens)
    cached = rng.random() < profile.system_cached_prob
    session = Session(
        profile=profile,
        fields={
            "provider": profile.name,
            "project": project,
            "session_id": f"{profile.name}:{sid}",
            "session_file": session_file,
            "store": profile.store,
            "home": home,
            "user": user,
            "model": _weighted(rng, profile.models),
        },
        claude_keys=_claude_keys_style(rng, profile),
        first_type_hidden=rng.random() < 0.4,
        system_tokens=system_tokens,
        ttl_ms=60 * 60 * 1000 if rng.random() < profile.long_ttl_prob else profile.ttl_ms,
        system_cached=system_tokens - rng.randint(0, 400) if cached else 0,
        last_call_ms=start_ms,
    )
    session.context = system_tokens
    # Some sessions say whether they are a sub-agent's (the others leave it unknown: main).
    # Drawn from the session id already drawn, so the random stream is unchanged.
    if sid[-1] in "9a":
        session.fields["is_subagent"] = True
    elif sid[-1] == "b":
        session.fields["is_subagent"] = False
    return session


def _claude_keys_style(rng: random.Random, profile: Profile) -> str:
    """Claude steps carry the claude_* keys; Codex sessions omit them or write nulls."""
    if profile is CLAUDE:
        return "present"
    return "null" if rng.random() < 0.3 else "absent"


def _round_id(rng: random.Random, session: Session) -> str:
    if session.profile is CLAUDE:
        # Claude Code sometimes splits one API message over several records.
        if session.prev_round_id and rng.random() < 0.005:
            return session.prev_round_id
        return "msg_01" + _hex(rng, 22)
    return "resp_" + _hex(rng, 32)


def _user_input(rng: random.Random, at_ms: int) -> StepInput:
    chars = _lognormal_int(rng, 260, 1.3, 60_000) + 1
    event = {
        "event_type": "user_message",
        "timestamp": format_ts(at_ms),
        "source": USER_SOURCE,
        "content_chars": chars,
    }
    # Message plus harness reminders (file snapshots, todo lists, environment).
    tokens = chars // 4 + _lognormal_int(rng, 700, 1.2, 40_000)
    return StepInput([event], at_ms, at_ms, user_chars=chars, user_count=1, tokens=tokens)


def _tool_input(calls: list[PlannedCall]) -> StepInput:
    ordered = sorted(calls, key=lambda planned: planned.result_ms)
    step_input = StepInput(first_ms=ordered[0].result_ms, last_ms=ordered[-1].result_ms)
    for call in ordered:
        step_input.events.append(
            {
                "event_type": "tool_result",
                "timestamp": format_ts(call.result_ms),
                "source": TOOL_RESULT_SOURCE,
                "tool_call_id": call.call_id,
                "result_chars": call.result_chars,
                "is_error": call.is_error,
            }
        )
        step_input.tool_chars += call.result_chars
        step_input.tool_count += 1
        step_input.tokens += call.result_chars * 10 // 36 + 12
    return step_input


def _step_tokens(
    rng: random.Random, session: Session, new_tokens: int, cold: bool, user_initiated: bool
) -> tuple[int, int]:
    """(prefix, append) of a step whose new input is ``new_tokens`` long.

    ``cold``: nothing of this session is cached (new session, compaction, expiry).
    """
    profile = session.profile
    total = session.context + new_tokens
    if cold:
        prefix = session.system_cached if rng.random() < 0.75 else 0
    else:
        prefix = session.prev_input
        draw = rng.random()
        miss = profile.miss_prob * (3 if user_initiated else 1)
        if draw < miss:
            prefix = session.system_cached
        elif draw < miss + profile.partial_prob:
            prefix = rng.randint(session.system_cached, session.prev_input)
        elif draw < miss + profile.partial_prob + profile.full_hit_prob:
            prefix = total
    if prefix < total:
        prefix -= prefix % profile.prefix_block
    prefix = max(0, min(prefix, total))
    return prefix, total - prefix


def _plan_calls(rng: random.Random, session: Session, start_ms: int) -> list[PlannedCall]:
    draw = rng.random()
    count = 1 + next(i for i, p in enumerate(session.profile.parallel_calls) if draw < p)
    calls: list[PlannedCall] = []
    emitted = start_ms
    for index in range(count):
        emitted += rng.randint(5, 400)
        name = _weighted(rng, session.profile.tools)
        slow = name in ("Bash", "shell", "Task", "WebFetch")
        latency = _lognormal_int(rng, 2500 if slow else 60, 1.6, 20 * 60 * 1000) + 1
        internal = None
        if session.profile is CODEX:
            internal = max(0, latency - rng.randint(0, min(latency, 50)))
        calls.append(
            PlannedCall(
                call_id=session.profile.call_id_prefix + _hex(rng, 22),
                name=name,
                index=index,
                emitted_ms=emitted,
                result_ms=emitted + latency,
                result_chars=_lognormal_int(rng, 900, 1.3, 100_000),
                input_chars=_lognormal_int(rng, 160, 1.2, 40_000),
                is_error=rng.random() < 0.04,
                internal_ms=internal,
            )
        )
    last = 0
    for call in sorted(calls, key=lambda planned: planned.result_ms):
        call.result_ms = max(call.result_ms, last + 1)  # strictly increasing result events
        last = call.result_ms
    return calls


def _model_events(
    rng: random.Random, session: Session, start_ms: int, final: bool
) -> tuple[list[Step], list[PlannedCall], int]:
    """Events the model emits in one step, its tool calls, and the last timestamp."""
    profile = session.profile
    sources = profile.sources
    events: list[Step] = []
    at = start_ms + _lognormal_int(rng, 1800, 0.7, 120_000) + 1
    if rng.random() < profile.reasoning_prob:
        event = {
            "event_type": "reasoning",
            "timestamp": format_ts(at),
            "source": sources["reasoning"],
        }
        if profile is CLAUDE:
            event["content_chars"] = _lognormal_int(rng, 600, 1.0, 50_000)
        events.append(event)
        at += _lognormal_int(rng, 2500, 0.9, 120_000) + 1
    if final or rng.random() < profile.text_prob:
        chars = _lognormal_int(rng, 900 if final else 120, 1.0, 40_000)
        events.append(
            {
                "event_type": "text",
                "timestamp": format_ts(at),
                "source": sources["text"],
                "content_chars": chars,
            }
        )
        at += rng.randint(50, 1500)
    calls = [] if final else _plan_calls(rng, session, at)
    for call in calls:
        events.append(
            {
                "event_type": "tool_call",
                "timestamp": format_ts(call.emitted_ms),
                "source": sources["tool_call"],
                "tool_call_id": call.call_id,
                "tool_name": call.name,
                "tool_index": call.index,
            }
        )
        at = call.emitted_ms
    if rng.random() < profile.usage_report_prob:
        at += rng.randint(1, 30)
        events.append(
            {
                "event_type": "usage_report",
                "timestamp": format_ts(at),
                "source": sources["usage_report"],
            }
        )
    return events, calls, at


def _tools_list(calls: list[PlannedCall]) -> list[Step]:
    return [
        {
            "tool_index": call.index,
            "tool_name": call.name,
            "tool_call_id": call.call_id,
            "emitted_at": format_ts(call.emitted_ms),
            "result_at": format_ts(call.result_ms),
            "tool_wall_latency_ms": call.result_ms - call.emitted_ms,
            "tool_internal_latency_ms": call.internal_ms,
            "is_error": call.is_error,
            "input_chars": call.input_chars,
            "result_chars": call.result_chars,
        }
        for call in calls
    ]


def _output_tokens(rng: random.Random, session: Session, final: bool) -> tuple[int, int | None]:
    visible = _lognormal_int(rng, 450 if final else 140, 1.0, 30_000)
    if session.profile is CLAUDE:
        return visible, None
    reasoning = _lognormal_int(rng, 160, 1.3, 60_000) if rng.random() < 0.85 else 0
    return visible + reasoning, reasoning


def _token_fields(
    rng: random.Random,
    session: Session,
    prefix: int,
    append: int,
    output: int,
    reasoning: int | None,
) -> Step:
    tokens: Step = {
        "input_tokens_total": prefix + append,
        "prefix_tokens": prefix,
        "newly_append_tokens": append,
    }
    if session.claude_keys == "present":
        uncached = min(append, rng.randint(1, 12))
        tokens["claude_uncached_input_tokens"] = uncached
        tokens["claude_cache_creation_input_tokens"] = append - uncached
        tokens["claude_cache_read_input_tokens"] = prefix
        tokens.update(_write_split(session, append - uncached))
    elif session.claude_keys == "null":
        tokens["claude_uncached_input_tokens"] = None
        tokens["claude_cache_creation_input_tokens"] = None
        tokens["claude_cache_read_input_tokens"] = None
    tokens["output_tokens"] = output
    tokens["reasoning_output_tokens"] = reasoning
    return tokens


def _write_split(session: Session, written: int) -> Step:
    """The cache write's split by lifetime, for some Claude sessions: a one-hour session writes
    for an hour (a few of its writes half and half), a few five-minute sessions say so, the
    others leave the split unknown. Draws nothing from the random stream."""
    if session.ttl_ms == 60 * 60 * 1000:
        hour = written // 2 if written % 5 == 0 else written
    elif session.fields["session_id"][-1] in "01":
        hour = 0
    else:
        return {}
    return {
        "claude_cache_creation_5m_input_tokens": written - hour,
        "claude_cache_creation_1h_input_tokens": hour,
    }


def _input_fields(rng: random.Random, session: Session, step_input: StepInput) -> Step:
    first_type = step_input.events[0]["event_type"]
    if session.first_type_hidden or rng.random() < 0.08:
        first_type = None
    return {
        "current_input_event_count": step_input.user_count + step_input.tool_count,
        "current_user_message_count": step_input.user_count,
        "current_tool_result_count": step_input.tool_count,
        "current_user_message_chars": step_input.user_chars,
        "current_tool_result_chars": step_input.tool_chars,
        "current_input_chars": step_input.user_chars + step_input.tool_chars,
        "first_input_event_type": first_type,
    }


def _visible_events(rng: random.Random, step_input: StepInput, model_events: list[Step]) -> list:
    """The step's timing events; a few steps lose their input events or all of them."""
    draw = rng.random()
    if draw < 0.01:
        return []
    if draw < 0.035:
        return model_events  # input not attributed: first event is reasoning/text/tool_call
    return step_input.events + model_events


def _build_step(
    rng: random.Random, session: Session, step_input: StepInput, turn_id: str, final: bool
) -> tuple[Step, list[PlannedCall]]:
    cold = session.prev_input == 0
    cold = cold or step_input.first_ms - session.last_call_ms > session.ttl_ms
    if session.context > session.profile.context_limit:  # compaction: summary replaces history
        session.context = session.system_tokens + rng.randint(2_000, 8_000)
        cold = True
    prefix, append = _step_tokens(rng, session, step_input.tokens, cold, step_input.user_count > 0)
    model_events, calls, end_ms = _model_events(rng, session, step_input.last_ms, final)
    output, reasoning = _output_tokens(rng, session, final)
    round_id = _round_id(rng, session)
    step: Step = dict(session.fields)
    step["trace_key"] = f"{session.fields['session_id']}:{session.round_index:05d}"
    step["round_index"] = session.round_index
    step["round_id"] = round_id
    step["turn_id"] = turn_id
    step.update(_token_fields(rng, session, prefix, append, output, reasoning))
    step.update(_input_fields(rng, session, step_input))
    step["timing_events"] = _visible_events(rng, step_input, model_events)
    step["tools"] = _tools_list(calls)
    session.prev_input = prefix + append
    session.context = prefix + append + output
    session.last_call_ms = end_ms
    session.round_index += 1
    session.prev_round_id = round_id
    return step, calls


def _request_length(rng: random.Random, profile: Profile) -> int:
    """Number of tool-triggered steps following one user message."""
    if rng.random() < 0.14:
        return 0
    return min(45, int(rng.expovariate(1 / profile.mean_tool_steps)) + 1)


def _session_steps(rng: random.Random, session: Session) -> Iterator[Step]:
    n_requests = 1 + min(20, int(rng.expovariate(1 / 4.5)))
    at = session.last_call_ms
    for request in range(n_requests):
        if request:
            at = session.last_call_ms + _lognormal_int(rng, 70_000, 1.6, 6 * 3600 * 1000) + 500
        turn_id = _hex(rng, 16)
        step_input = _user_input(rng, at)
        n_tool_steps = _request_length(rng, session.profile)
        for position in range(n_tool_steps + 1):
            final = position == n_tool_steps
            step, calls = _build_step(rng, session, step_input, turn_id, final)
            yield step
            if not final:
                step_input = _tool_input(calls)


def normal_steps(seed: int) -> Iterator[Step]:
    """Endless stream of realistic steps, session after session."""
    rng = random.Random(seed)
    projects = [f"project_{_hex(rng, 4)}" for _ in range(N_PROJECTS)]
    while True:
        yield from _session_steps(rng, _new_session(rng, projects))


# ---------------------------------------------------------------------------
# Edge cases (--edge-cases)
# ---------------------------------------------------------------------------

EdgeMaker = Callable[[random.Random, Step, Step], Step]

# (prefix, append) pairs whose ratio is exactly a bin / bucket / threshold edge.
EDGE_RATIOS: tuple[tuple[int, int], ...] = (
    (1, 99),
    (1, 19),
    (1, 9),
    (1, 4),
    (2, 3),
    (1, 1),
    (3, 2),
    (4, 1),
    (9, 1),
    (19, 1),
    (49, 1),
    (99, 1),
    (199, 1),
)
EDGE_MULTIPLIERS = (1, 1, 7, 1000, 123_457)


def _set_tokens(step: Step, prefix: int | None, append: int | None) -> Step:
    """Overwrite the token accounting consistently (claude_* keys follow when present)."""
    step["prefix_tokens"] = prefix
    step["newly_append_tokens"] = append
    if prefix is None or append is None:
        return step
    step["input_tokens_total"] = prefix + append
    if step.get("claude_cache_read_input_tokens") is not None:
        uncached = min(append, 3)
        step["claude_uncached_input_tokens"] = uncached
        step["claude_cache_creation_input_tokens"] = append - uncached
        step["claude_cache_read_input_tokens"] = prefix
        hour = step.get("claude_cache_creation_1h_input_tokens")
        if hour is not None:  # the split keeps adding up to the write
            hour = min(hour, append - uncached)
            step["claude_cache_creation_5m_input_tokens"] = append - uncached - hour
            step["claude_cache_creation_1h_input_tokens"] = hour
    return step


def _ensure_eligible(step: Step) -> list[Step]:
    """Make the step's first timing event a tool_result (or keep user/tool first)."""
    events = step.get("timing_events") or []
    if not events or events[0].get("event_type") not in ("user_message", "tool_result"):
        stamp = events[0]["timestamp"] if events else "2026-06-01T00:00:00.000Z"
        events = [
            {
                "event_type": "tool_result",
                "timestamp": stamp,
                "source": TOOL_RESULT_SOURCE,
                "tool_call_id": "toolu_01edge",
                "result_chars": 10,
                "is_error": False,
            },
            *events,
        ]
        step["timing_events"] = events
    return events


def _with_first_event(event_type: str, source: str) -> EdgeMaker:
    def make(rng: random.Random, step: Step, prev: Step) -> Step:
        events = _ensure_eligible(step)
        events.insert(
            0, {"event_type": event_type, "timestamp": events[0]["timestamp"], "source": source}
        )
        return step

    return make


def _with_ratio(prefix: int, append: int) -> EdgeMaker:
    def make(rng: random.Random, step: Step, prev: Step) -> Step:
        _ensure_eligible(step)
        scale = EDGE_MULTIPLIERS[rng.randrange(len(EDGE_MULTIPLIERS))]
        return _set_tokens(step, prefix * scale, append * scale)

    return make


def _with_provider(provider: str | None, absent: bool = False) -> EdgeMaker:
    def make(rng: random.Random, step: Step, prev: Step) -> Step:
        if absent:
            del step["provider"]
        else:
            step["provider"] = provider
        if provider and provider not in ("claude", "codex", "unknown"):
            step["session_id"] = f"{provider}:{_hex(rng, 32)}"
            step["trace_key"] = f"{step['session_id']}:{step['round_index']:05d}"
            step["store"] = f".{provider.split('-')[0]}"
            step["model"] = "gemini-3-pro" if provider == "gemini" else "zed-default"
        return step

    return make


def _with_timing(value: list[Step] | None, absent: bool = False) -> EdgeMaker:
    def make(rng: random.Random, step: Step, prev: Step) -> Step:
        if absent:
            del step["timing_events"]
        else:
            step["timing_events"] = copy.copy(value)
        return step

    return make


def _with_null_tokens(prefix_null: bool, append_null: bool) -> EdgeMaker:
    def make(rng: random.Random, step: Step, prev: Step) -> Step:
        _ensure_eligible(step)
        if prefix_null:
            step["prefix_tokens"] = None
        if append_null:
            step["newly_append_tokens"] = None
        return step

    return make


def _edge_token_keys_absent(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)
    for key in (
        "input_tokens_total",
        "prefix_tokens",
        "newly_append_tokens",
        "claude_uncached_input_tokens",
        "claude_cache_creation_input_tokens",
        "claude_cache_read_input_tokens",
        "claude_cache_creation_5m_input_tokens",
        "claude_cache_creation_1h_input_tokens",
    ):
        step.pop(key, None)
    return step


def _edge_zero_total(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)
    return _set_tokens(step, 0, 0)


def _edge_ratio_zero(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)
    return _set_tokens(step, 0, step["input_tokens_total"] or 1)


def _edge_ratio_one(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)
    return _set_tokens(step, step["input_tokens_total"] or 1, 0)


def _edge_huge_tokens(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)
    step["output_tokens"] = 2_200_000_000 + rng.randrange(1000)
    return _set_tokens(step, 5_000_000_000, rng.randint(2_147_483_648, 3_000_000_000))


def _edge_duplicate_verbatim(rng: random.Random, step: Step, prev: Step) -> Step:
    return copy.deepcopy(prev)


def _edge_duplicate_new_tokens(rng: random.Random, step: Step, prev: Step) -> Step:
    twin = copy.deepcopy(prev)
    prefix, append = twin.get("prefix_tokens") or 0, twin.get("newly_append_tokens") or 0
    return _set_tokens(twin, prefix // 2, append + prefix - prefix // 2 + 17)


def _edge_round_id_reused(rng: random.Random, step: Step, prev: Step) -> Step:
    step["round_id"] = prev.get("round_id")
    return step


def _edge_ids_null(rng: random.Random, step: Step, prev: Step) -> Step:
    for key in ("session_id", "round_index", "round_id", "turn_id", "trace_key", "project"):
        step[key] = None
    return step


def _edge_event_no_timestamp(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)[0].pop("timestamp")
    return step


def _edge_events_no_source(rng: random.Random, step: Step, prev: Step) -> Step:
    for event in _ensure_eligible(step):
        event.pop("source", None)
    return step


def _edge_events_only_type(rng: random.Random, step: Step, prev: Step) -> Step:
    step["timing_events"] = [{"event_type": e["event_type"]} for e in _ensure_eligible(step)]
    return step


def _edge_first_type_null(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)[0]["event_type"] = None
    return step


def _edge_first_type_absent(rng: random.Random, step: Step, prev: Step) -> Step:
    _ensure_eligible(step)[0].pop("event_type")
    return step


def _edge_events_out_of_order(rng: random.Random, step: Step, prev: Step) -> Step:
    """Position 1 decides the trigger even when a later event has an earlier timestamp."""
    events = _ensure_eligible(step)
    events.append(
        {
            "event_type": "user_message",
            "timestamp": "2026-05-31T23:59:59.999Z",
            "source": USER_SOURCE,
            "content_chars": 5,
        }
    )
    return step


def _edge_mixed_input(rng: random.Random, step: Step, prev: Step) -> Step:
    """A user interjects while tool results come back: both input kinds in one step."""
    events = _ensure_eligible(step)
    other = "user_message" if events[0]["event_type"] == "tool_result" else "tool_result"
    events.insert(
        1,
        {
            "event_type": other,
            "timestamp": events[0]["timestamp"],
            "source": USER_SOURCE if other == "user_message" else TOOL_RESULT_SOURCE,
        },
    )
    return step


def _edge_tools_absent(rng: random.Random, step: Step, prev: Step) -> Step:
    del step["tools"]
    return step


def _edge_minimal_line(rng: random.Random, step: Step, prev: Step) -> Step:
    """Only four keys, in an unusual order; every other key is absent."""
    events = _ensure_eligible(step)
    return {
        "timing_events": [events[0]],
        "newly_append_tokens": step["newly_append_tokens"],
        "provider": step["provider"],
        "prefix_tokens": step["prefix_tokens"],
    }


EDGE_KINDS: tuple[tuple[str, EdgeMaker, bool], ...] = (
    # (name, maker, consumes the next normal step?)
    ("provider_null", _with_provider(None), True),
    ("provider_absent", _with_provider(None, absent=True), True),
    ("provider_gemini", _with_provider("gemini"), True),
    ("provider_zed_agent", _with_provider("zed-agent"), True),
    ("provider_unknown_literal", _with_provider("unknown"), True),
    ("timing_events_absent", _with_timing(None, absent=True), True),
    ("timing_events_null", _with_timing(None), True),
    ("timing_events_empty", _with_timing([]), True),
    ("first_event_reasoning", _with_first_event("reasoning", "assistant.content.thinking"), True),
    ("first_event_text", _with_first_event("text", "assistant.content.text"), True),
    ("first_event_tool_call", _with_first_event("tool_call", "assistant.content.tool_use"), True),
    ("first_event_usage_report", _with_first_event("usage_report", "event_msg.token_count"), True),
    ("first_event_compaction", _with_first_event("compaction", "system.compact_boundary"), True),
    ("first_event_type_null", _edge_first_type_null, True),
    ("first_event_type_absent", _edge_first_type_absent, True),
    ("prefix_null", _with_null_tokens(True, False), True),
    ("append_null", _with_null_tokens(False, True), True),
    ("both_tokens_null", _with_null_tokens(True, True), True),
    ("token_keys_absent", _edge_token_keys_absent, True),
    ("zero_total", _edge_zero_total, True),
    ("ratio_zero", _edge_ratio_zero, True),
    ("ratio_one", _edge_ratio_one, True),
    *((f"ratio_edge_{p}_{a}", _with_ratio(p, a), True) for p, a in EDGE_RATIOS),
    ("huge_tokens", _edge_huge_tokens, True),
    ("duplicate_verbatim", _edge_duplicate_verbatim, False),
    ("duplicate_ids_new_tokens", _edge_duplicate_new_tokens, False),
    ("round_id_reused", _edge_round_id_reused, True),
    ("ids_null", _edge_ids_null, True),
    ("event_no_timestamp", _edge_event_no_timestamp, True),
    ("events_no_source", _edge_events_no_source, True),
    ("events_only_type", _edge_events_only_type, True),
    ("events_out_of_order", _edge_events_out_of_order, True),
    ("mixed_input", _edge_mixed_input, True),
    ("tools_absent", _edge_tools_absent, True),
    ("minimal_line", _edge_minimal_line, True),
)


def _late_line(rng: random.Random, step: Step, index: int) -> Step:
    """Lines at the very end whose keys or values appear nowhere earlier in the file."""
    events = _ensure_eligible(step)
    if index % 4 == 0:  # a new top-level key, and a new event key
        step["claude_web_search_requests"] = rng.randint(1, 5000)
        events[0]["duration_ms"] = rng.randint(1, 90_000)
    elif index % 4 == 1:  # a new event key holding a boolean
        events[0]["is_sidechain"] = True
    elif index % 4 == 2:  # a provider never seen before
        step["provider"] = "opencode"
        step["session_id"] = "opencode:" + _hex(rng, 32)
    else:  # a count above 2**32 in a column that was small so far
        _set_tokens(step, 6_000_000_000, 4_300_000_000)
        step["reasoning_output_tokens"] = 4_400_000_000
    return step


def _edge_order(rng: random.Random) -> Iterator[tuple[str, EdgeMaker, bool]]:
    """Every kind once per cycle, in a fresh shuffled order each cycle."""
    while True:
        kinds = list(EDGE_KINDS)
        rng.shuffle(kinds)
        yield from kinds


def _with_edge_cases(normal: Iterator[Step], n_steps: int, rng: random.Random) -> Iterator[Step]:
    kinds = _edge_order(rng)
    late = min(LATE_LINES, n_steps // 10)
    prev: Step | None = None
    for position in range(n_steps - late):
        if position % EDGE_PERIOD != EDGE_PERIOD // 2:
            prev = next(normal)
            yield prev
            continue
        _, make, consumes = next(kinds)
        if not consumes and prev is None:
            consumes, make = True, _edge_ratio_zero
        step = next(normal) if consumes else {}
        yield make(rng, step, prev if prev is not None else step)
    for index in range(late):
        yield _late_line(rng, next(normal), index)


# The rare rows of the idle-gap and thinking-time experiments (docs/method.md), one every
# IDLE_EDGE_PERIOD steps in edge mode with --idle-edge-cases: each changes a copy of a normal step.
IDLE_EDGE_PERIOD = 9
IDLE_EDGE_SEED_OFFSET = 104_729


def _idle_negative_gap(rng: random.Random, step: Step, prev: Step | None) -> Step:
    """The first event an hour before the session's previous step ended: a negative gap."""
    events = step.get("timing_events") or []
    if events and isinstance(events[0], dict) and events[0].get("timestamp"):
        moment = datetime.fromisoformat(events[0]["timestamp"].replace("Z", "+00:00"))
        events[0]["timestamp"] = format_ts(int(moment.timestamp() * 1000) - 3_600_000)
    return step


def _idle_no_timestamps(rng: random.Random, step: Step, prev: Step | None) -> Step:
    """No time anywhere: neither the events nor the tools carry one."""
    for event in step.get("timing_events") or []:
        if isinstance(event, dict):
            event.pop("timestamp", None)
    for tool in step.get("tools") or []:
        if isinstance(tool, dict):
            tool["emitted_at"] = None
            tool["result_at"] = None
    return step


def _idle_own_tool_result(rng: random.Random, step: Step, prev: Step | None) -> Step:
    """A leading tool result whose call id is one of the step's own tool calls (invisible to it)."""
    events = step.get("timing_events") or []
    own = "call_own_" + _hex(rng, 12)
    step["tools"] = [*(step.get("tools") or []), {
        "tool_index": len(step.get("tools") or []), "tool_name": "Read", "tool_call_id": own,
        "emitted_at": format_ts(0), "result_at": format_ts(3_600_000),
    }]  # fmt: skip
    events.insert(0, {"event_type": "tool_result", "timestamp": format_ts(0),
                      "source": TOOL_RESULT_SOURCE, "tool_call_id": own})  # fmt: skip
    step["timing_events"] = events
    return step


def _idle_tie(rng: random.Random, step: Step, prev: Step | None) -> Step:
    """The round_index and first time of the session's previous step: a tie, kept in file order."""
    if prev is not None:
        step["round_index"] = prev.get("round_index")
        events, before = step.get("timing_events") or [], prev.get("timing_events") or []
        if events and before and isinstance(events[0], dict) and isinstance(before[0], dict):
            events[0]["timestamp"] = before[0].get("timestamp")
    return step


def _idle_model(model: str | None) -> EdgeMaker:
    def make(rng: random.Random, step: Step, prev: Step | None) -> Step:
        step["model"] = model
        return step

    return make


IDLE_EDGE_KINDS: tuple[EdgeMaker, ...] = (
    _idle_negative_gap,
    _idle_no_timestamps,
    _idle_own_tool_result,
    _idle_tie,
    _idle_model("mystery-model-7"),  # unpriced
    _idle_model(None),  # unpriced: no model
    _idle_model("Claude-Opus-5-Preview"),  # a family, matched lowercased
    _idle_model("gpt-5-sonnet-hybrid"),  # two families: the first in order wins
)


def _with_idle_edge_cases(steps: Iterator[Step], rng: random.Random) -> Iterator[Step]:
    last_of_session: dict[str, Step] = {}
    for position, step in enumerate(steps):
        if position % IDLE_EDGE_PERIOD == IDLE_EDGE_PERIOD // 2:
            make = IDLE_EDGE_KINDS[(position // IDLE_EDGE_PERIOD) % len(IDLE_EDGE_KINDS)]
            session = step.get("session_id")
            prev = last_of_session.get(session) if isinstance(session, str) else None
            step = make(rng, json.loads(json.dumps(step)), prev)
        if isinstance(step.get("session_id"), str):
            last_of_session[step["session_id"]] = step
        yield step


def generate_steps(
    n_steps: int, seed: int = DEFAULT_SEED, edge_cases: bool = False, idle_edge_cases: bool = False
) -> Iterator[Step]:
    """Yield ``n_steps`` step objects (dicts), deterministically from ``seed``."""
    normal = normal_steps(seed)
    if edge_cases:
        steps = _with_edge_cases(normal, n_steps, random.Random(seed + EDGE_SEED_OFFSET))
    else:
        steps = itertools.islice(normal, n_steps)
    if idle_edge_cases:
        steps = _with_idle_edge_cases(steps, random.Random(seed + IDLE_EDGE_SEED_OFFSET))
    yield from steps


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    for suffix in KNOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ".jsonl"


def output_paths(path: Path, n_files: int) -> list[Path]:
    """``path`` itself for one file, else ``<stem>-00001-of-0000K<suffix>`` ... in order."""
    if n_files == 1:
        return [path]
    stem, suffix = _split_name(path.name)
    return [
        path.with_name(f"{stem}-{i:05d}-of-{n_files:05d}{suffix}") for i in range(1, n_files + 1)
    ]


@contextlib.contextmanager
def _atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary stream to a temp file next to ``path``, renamed onto it on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as raw:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0
                ) as zipped:
                    yield zipped  # type: ignore[misc]
            else:
                yield raw
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@dataclass
class RateTally:
    """Token-weighted hit rates per provider x trigger (for --verbose)."""

    sums: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, step: Step) -> None:
        prefix, append = step.get("prefix_tokens"), step.get("newly_append_tokens")
        if prefix is None or append is None or prefix + append <= 0:
            return
        events = step.get("timing_events") or [{}]
        first = events[0].get("event_type")
        trigger = {"user_message": "user", "tool_result": "tool_result"}.get(first, "other")
        provider = str(step.get("provider"))
        for key in ((provider, "all"), (provider, trigger)):
            row = self.sums.setdefault(key, [0, 0, 0])
            row[0] += 1
            row[1] += prefix
            row[2] += prefix + append

    def report(self) -> str:
        lines = [f"{'provider':<12}{'trigger':<13}{'steps':>10}{'tw_hit_rate':>13}"]
        for (provider, trigger), (steps, prefix, total) in sorted(self.sums.items()):
            lines.append(f"{provider:<12}{trigger:<13}{steps:>10}{prefix / total:>13.4f}")
        return "\n".join(lines)


def write_trace(
    steps: Iterator[Step], n_steps: int, paths: list[Path], tally: RateTally | None = None
) -> int:
    """Write ``n_steps`` steps split contiguously over ``paths``; return bytes on disk."""
    encode = json.JSONEncoder(separators=JSON_SEPARATORS).encode
    total_bytes = 0
    for index, path in enumerate(paths):
        count = n_steps * (index + 1) // len(paths) - n_steps * index // len(paths)
        with _atomic_output(path) as out:
            for batch in _batched(itertools.islice(steps, count), WRITE_BATCH):
                if tally is not None:
                    for step in batch:
                        tally.add(step)
                out.write("".join(encode(step) + "\n" for step in batch).encode("utf-8"))
        total_bytes += path.stat().st_size
    return total_bytes


def _batched(items: Iterator[Step], size: int) -> Iterator[list[Step]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Write a synthetic, normalized coding-agent trace (docs/input_format.md):\n"
            "one JSON object per line, one line per agent step (model call), Claude and\n"
            "Codex sessions mixed, realistic prompt-cache hit ratios. Same seed and\n"
            "arguments give byte-identical output. A one-line summary goes to stderr."
        ),
        epilog=(
            "examples:\n"
            "  %(prog)s --steps 2000 -o data/small.jsonl\n"
            "  %(prog)s --steps 2000 --edge-cases -o data/edge.jsonl\n"
            "  %(prog)s --steps 357161 --files 8 -o data/pool/trace.jsonl.gz\n"
            "    (writes trace-00001-of-00008.jsonl.gz ... trace-00008-of-00008.jsonl.gz)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--steps",
        type=int,
        required=True,
        metavar="N",
        help="number of lines (agent steps) to write in total",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"random seed (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--edge-cases",
        action="store_true",
        help="replace ~8%% of the lines by the edge cases of docs/input_format.md and "
        "docs/method.md "
        "(null/other providers, missing events, null tokens, bin-edge "
        "ratios, duplicates, ...)",
    )
    parser.add_argument(
        "--idle-edge-cases",
        action="store_true",
        help=f"also change one step in {IDLE_EDGE_PERIOD} to a rare row of the idle-gap and "
        "thinking-time experiments (negative gaps, no timestamps, a step's own tool results, "
        "ties, unpriced and family-priced models)",
    )
    parser.add_argument(
        "--files",
        type=int,
        default=1,
        metavar="K",
        help="split the steps over K files, contiguous chunks in name order "
        "(default 1: write exactly PATH)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="PATH",
        help="output file; gzip-compressed when it ends in .gz; parent folders are created",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also print token-weighted hit rates per provider x trigger",
    )
    args = parser.parse_args(argv)
    if args.steps < 0:
        parser.error("--steps must be >= 0")
    if args.files < 1 or (args.steps and args.files > args.steps):
        parser.error("--files must be between 1 and --steps")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    paths = output_paths(args.output, args.files)
    tally = RateTally() if args.verbose else None
    steps = generate_steps(args.steps, args.seed, args.edge_cases, args.idle_edge_cases)
    size = write_trace(steps, args.steps, paths, tally)
    if tally is not None:
        print(tally.report(), file=sys.stderr)
    target = paths[0] if len(paths) == 1 else f"{paths[0]} .. {paths[-1].name}"
    print(
        f"generate_trace: {args.steps} steps, {len(paths)} file(s), {size} bytes "
        f"in {time.perf_counter() - started:.1f}s -> {target}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
