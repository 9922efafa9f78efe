"""Independent pure-Python reference for Trace Atlas: every output file, from the trace files.

Written from the contract (the input format and its checks, SPEC sections 3-4, the decisions in
the docs blocks), never from the project's SQL, so that the end-to-end tests compare two
independent implementations cell by cell. Standard library only. The constants of the experiment
(bins, bands, thresholds, quantiles, buckets, scopes, triggers, reasons, input keys) are written
here from docs/method.md and docs/input_format.md; nothing is read from the project's seeds or
dbt_project.yml, so that a wrong seed value changes the SQL's outputs and not the reference's.

Usage as a script (handy for debugging):

    python tests/reference.py OUT_DIR TRACE_FILE [TRACE_FILE ...]
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Self

MAX_LINE_BYTES = 134_217_728
UNKNOWN_SCOPE = "unknown"
MERGED = "merged"
ALL = "all"

Row = list[str]
Group = tuple[str, str]


# ---------------------------------------------------------------------------
# Constants, written from docs/method.md and docs/input_format.md (never read from the project's
# seeds or dbt_project.yml: tests/test_docs_constants.py checks that those agree with the docs)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Constants:
    quantiles: list[tuple[str, float]]
    bins: list[tuple[int, str, float, float, str]]  # index, label, lower, upper, band
    bands: list[tuple[str, str, str]]  # band, colour, label (in order)
    thresholds: list[tuple[str, float | None, float | None, bool]]
    buckets: list[tuple[str, float, float]]
    scopes: list[str]
    triggers: list[tuple[str, str | None, str]]  # trigger, first event type, table label
    rejection_reasons: list[str]
    exclusion_reasons: list[str]
    warning_kinds: list[str]
    integer_keys: list[str]
    text_keys: list[str]
    boolean_keys: list[str]
    critical_keys: list[str]


# method.md, Percentiles: the quantiles and their column names (docs/outputs.md)
QUANTILE_LIST = [
    ("p01", 0.01),
    ("p05", 0.05),
    ("p10", 0.10),
    ("p25", 0.25),
    ("median", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
]
# method.md, Hit-ratio bins: (label, upper edge); bin 0 holds exactly 0
BIN_EDGES = [
    ("0", 0.0),
    ("(0,.01]", 0.01),
    ("(.01,.05]", 0.05),
    ("(.05,.10]", 0.10),
    ("(.10,.20]", 0.20),
    ("(.20,.40]", 0.40),
    ("(.40,.60]", 0.60),
    ("(.60,.80]", 0.80),
    ("(.80,.90]", 0.90),
    ("(.90,.95]", 0.95),
    ("(.95,.98]", 0.98),
    ("(.98,.99]", 0.99),
    ("(.99,.995]", 0.995),
    ("(.995,1]", 1.0000001),
]
# method.md, Colour bands: by a bin's upper edge, below 0.5 red, below 0.9 amber, else blue;
# with these bins red is a ratio <= 0.4, amber 0.4 to 0.8, blue above 0.8
BAND_LIST = [
    ("low", "#dc2626", "hit ratio ≤ 0.4"),
    ("mid", "#d97706", "0.4 < hit ratio ≤ 0.8"),
    ("high", "#2563eb", "hit ratio > 0.8"),
]


def band_of_upper_edge(upper: float) -> str:
    return "low" if upper < 0.5 else "mid" if upper < 0.9 else "high"


# method.md, Summary thresholds: (name, lower bound, upper bound, weighs append tokens)
THRESHOLD_LIST: list[tuple[str, float | None, float | None, bool]] = [
    ("lt_0_5", None, 0.5, True),
    ("0_5_to_0_9", 0.5, 0.9, True),
    ("gte_0_9", 0.9, None, True),
    ("gte_0_95", 0.95, None, False),
    ("gte_0_98", 0.98, None, False),
    ("gte_0_99", 0.99, None, False),
]
# method.md, Round-split buckets: [lower, upper)
BUCKET_LIST = [
    ("<10%", 0.0, 0.10),
    ("10-40%", 0.10, 0.40),
    ("40-80%", 0.40, 0.80),
    ("80%+", 0.80, math.inf),
]
# method.md, Scopes and triggers; the table's row labels (docs/outputs.md)
SCOPE_LIST = ["merged", "claude", "codex"]
TRIGGER_LIST: list[tuple[str, str | None, str]] = [
    ("all", None, "Prefix cache-hit rate"),
    ("user", "user_message", "Prefix hit rate (user-initiated)"),
    ("tool_result", "tool_result", "Prefix hit rate (tool-result)"),
]
# method.md, Eligibility: the first reason that applies
EXCLUSION_REASON_LIST = [
    "no_timing_events",
    "first_event_other_type",
    "null_token_field",
    "zero_total",
]
# input_format.md, What a line may not be: rejections in the table's order, then warnings
REJECTION_REASON_LIST = [
    "not_utf8",
    "line_too_long",
    "not_json",
    "not_an_object",
    "duplicate_key",
    "not_an_integer",
    "negative_integer",
    "integer_out_of_range",
    "not_a_string",
    "not_a_list",
    "event_not_an_object",
    "not_a_boolean",
    "cache_write_split_mismatch",
]
WARNING_KIND_LIST = [
    "not_an_integer",
    "negative_integer",
    "integer_out_of_range",
    "not_a_list",
    "event_not_an_object",
    "unparseable_timestamp",
    "input_tokens_total_mismatch",
]
# input_format.md, Keys: (key, JSON type, the experiment reads it), in the table's order
KEY_LIST: list[tuple[str, str, bool]] = [
    ("provider", "text", True),
    *((name, "text", False) for name in ("project", "session_id", "session_file")),
    ("round_index", "integer", False),
    *((name, "text", False) for name in ("round_id", "turn_id", "trace_key", "model")),
    *((name, "text", False) for name in ("store", "home", "user")),
    ("input_tokens_total", "integer", False),
    ("prefix_tokens", "integer", True),
    ("newly_append_tokens", "integer", True),
    ("output_tokens", "integer", False),
    ("reasoning_output_tokens", "integer", False),
    *(
        (f"claude_{name}_input_tokens", "integer", False)
        for name in ("uncached", "cache_creation", "cache_read")
    ),
    *(
        (f"current_{name}", "integer", False)
        for name in (
            "input_event_count",
            "user_message_count",
            "tool_result_count",
            "user_message_chars",
            "tool_result_chars",
            "input_chars",
        )
    ),
    ("first_input_event_type", "text", False),
    ("timing_events", "list", True),
    ("tools", "list", False),
    ("claude_cache_creation_5m_input_tokens", "integer", True),
    ("claude_cache_creation_1h_input_tokens", "integer", True),
    ("is_subagent", "boolean", True),
]
# input_format.md, The cache write split: the two parts and the write they add up to
SPLIT_KEYS = (
    "claude_cache_creation_5m_input_tokens",
    "claude_cache_creation_1h_input_tokens",
    "claude_cache_creation_input_tokens",
)


def load_constants() -> Constants:
    uppers = [upper for _, upper in BIN_EDGES]
    return Constants(
        quantiles=list(QUANTILE_LIST),
        bins=[
            (index, label, uppers[index - 1] if index else -1.0, upper, band_of_upper_edge(upper))
            for index, (label, upper) in enumerate(BIN_EDGES)
        ],
        bands=list(BAND_LIST),
        thresholds=list(THRESHOLD_LIST),
        buckets=list(BUCKET_LIST),
        scopes=list(SCOPE_LIST),
        triggers=list(TRIGGER_LIST),
        rejection_reasons=list(REJECTION_REASON_LIST),
        exclusion_reasons=list(EXCLUSION_REASON_LIST),
        warning_kinds=list(WARNING_KIND_LIST),
        integer_keys=[name for name, json_type, _ in KEY_LIST if json_type == "integer"],
        text_keys=[name for name, json_type, _ in KEY_LIST if json_type == "text"],
        boolean_keys=[name for name, json_type, _ in KEY_LIST if json_type == "boolean"],
        critical_keys=[name for name, _, reads in KEY_LIST if reads],
    )


C = load_constants()
QUANTILES = C.quantiles
BINS = [(label, upper) for _, label, _, upper, _ in C.bins]


# ---------------------------------------------------------------------------
# Reading: physical lines, in sorted file order
# ---------------------------------------------------------------------------


@dataclass
class Line:
    file: str
    number: int
    raw: bytes


def file_lines(path: str) -> Iterator[Line]:
    data = Path(path).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    for number, piece in enumerate(pieces, start=1):
        yield Line(path, number, piece[:-1] if piece.endswith(b"\r") else piece)


def read_lines(paths: Iterable[str]) -> list[Line]:
    return [line for path in sorted(paths) for line in file_lines(path)]


# ---------------------------------------------------------------------------
# Checking one line
# ---------------------------------------------------------------------------


@dataclass
class Checked:
    """One line after the checks: blank, rejected (reason, field, problem) or kept."""

    line: Line
    blank: bool = False
    reason: str | None = None
    bad_field: str | None = None
    problem: str | None = None
    excerpt: str | None = None
    step: dict[str, Any] = field(default_factory=dict)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # warning, field, problem


class Pairs(list):
    """A JSON object as its list of (key, value) pairs, repeats kept, in order."""

    def first(self, key: str, default: Any = None) -> Any:
        return next((value for name, value in self if name == key), default)

    def count(self, key: str) -> int:  # type: ignore[override]
        return sum(1 for name, _ in self if name == key)


def is_array(value: Any) -> bool:
    return isinstance(value, list) and not isinstance(value, Pairs)


class WrittenFloat(float):
    """A JSON number that is not an integer, keeping the text the line writes it with."""

    written: str

    def __new__(cls, text: str) -> Self:
        number = super().__new__(cls, text)
        number.written = text
        return number


def parse_json(text: str) -> Any:
    def reject_constant(name: str) -> Any:
        raise ValueError(name)

    return json.loads(
        text, object_pairs_hook=Pairs, parse_constant=reject_constant, parse_float=WrittenFloat
    )


def written_text(value: Any) -> str:
    """A message's quote of a value: a number that is not an integer as the line writes it."""
    return value.written if isinstance(value, WrittenFloat) else json_text(value)


def kind(value: Any) -> str:
    if isinstance(value, Pairs):
        return "object"
    if is_array(value):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if value is None:
        return "null"
    return "number"


def json_text(value: Any) -> str:
    """The value as minified JSON (keys in their order)."""
    if isinstance(value, Pairs):
        return (
            "{"
            + ",".join(
                readable(json.dumps(k, ensure_ascii=False)) + ":" + json_text(v) for k, v in value
            )
            + "}"
        )
    if is_array(value):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return readable(json.dumps(value, ensure_ascii=False))


def count_issue(value: Any) -> tuple[str, str] | None:
    """(reason, problem) when the value is not a count (a non-negative 64-bit integer)."""
    if value is None:
        return None
    if kind(value) == "integer":
        if value < 0:
            return (
                "negative_integer",
                f"expected a non-negative integer, got {json_text(value)[:40]}",
            )
        if value >= 2**63:
            return (
                "integer_out_of_range",
                f"integer {json_text(value)[:40]} exceeds the 64-bit range",
            )
        return None
    return (
        "not_an_integer",
        f"expected a non-negative integer, got {kind(value)} {written_text(value)[:40]}",
    )


ISO_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def is_iso_timestamp(text: str) -> bool:
    if not ISO_TIMESTAMP.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """A decoded JSON string with its lone surrogates (an escape like \\ud83d without its other
    half; a pair decodes to one character) read as U+FFFD, as the input format decides."""
    return LONE_SURROGATE.sub("\ufffd", text)


def as_text(value: Any) -> str | None:
    if value is None:
        return value
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_text(value)


def check_line(line: Line, max_line_bytes: int = MAX_LINE_BYTES) -> Checked:
    raw = line.raw
    if len(raw) + 1 > max_line_bytes:
        text = raw.decode("utf-8", errors="replace")
        return Checked(
            line,
            reason="line_too_long",
            problem=f"the line is longer than {max_line_bytes} bytes",
            excerpt=text[:200],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Checked(line, reason="not_utf8", problem="the line is not UTF-8 text")
    if text.strip(" \t\r") == "":
        return Checked(line, blank=True)
    rejected = reject(text)
    if rejected:
        reason, field_name, problem = rejected
        return Checked(
            line, reason=reason, bad_field=field_name, problem=problem, excerpt=text[:200]
        )
    return keep(line, parse_json(text))


def reject(text: str) -> tuple[str, str | None, str] | None:
    """The first rejection that applies, in the documented order, or None."""
    try:
        document = parse_json(text)
    except ValueError:
        return "not_json", None, "the line is not valid JSON"
    if not isinstance(document, Pairs):
        return "not_an_object", None, f"the line is JSON but not an object ({kind(document)})"
    for key in C.critical_keys:
        if document.count(key) > 1:
            return "duplicate_key", key, f"the key {key} appears more than once"
    events = document.first("timing_events")
    first_event = events[0] if is_array(events) and events else None
    if isinstance(first_event, Pairs) and first_event.count("event_type") > 1:
        name = "timing_events[0].event_type"
        return "duplicate_key", name, f"the key {name} appears more than once"
    for key in C.critical_keys:
        if key in C.integer_keys:
            issue = count_issue(document.first(key))
            if issue:
                return issue[0], key, issue[1]
    provider = document.first("provider")
    if provider is not None and not isinstance(provider, str):
        return (
            "not_a_string",
            "provider",
            f"expected a string, got {kind(provider)} {written_text(provider)[:40]}",
        )
    if events is not None and not is_array(events):
        return "not_a_list", "timing_events", f"expected a list, got {kind(events)}"
    if is_array(events) and events and not isinstance(first_event, Pairs):
        return (
            "event_not_an_object",
            "timing_events[0]",
            f"expected an object, got {kind(first_event)}",
        )
    event_type = first_event.first("event_type") if isinstance(first_event, Pairs) else None
    if event_type is not None and not isinstance(event_type, str):
        name = "timing_events[0].event_type"
        return (
            "not_a_string",
            name,
            f"expected a string, got {kind(event_type)} {written_text(event_type)[:40]}",
        )
    for key in C.boolean_keys:
        value = document.first(key)
        if value is not None and not isinstance(value, bool):
            return (
                "not_a_boolean",
                key,
                f"expected a boolean, got {kind(value)} {written_text(value)[:40]}",
            )
    return split_issue(document)


def split_issue(document: Pairs) -> tuple[str, str, str] | None:
    """A cache write split given in part, or whose parts do not add up to the write."""
    five, hour, total = (document.first(key) for key in SPLIT_KEYS)
    if five is None and hour is None:
        return None
    total = total if count_issue(total) is None else None
    if None not in (five, hour, total) and five + hour == total:
        return None
    shown = ["null" if value is None else str(value) for value in (five, hour, total)]
    problem = " + ".join(f"{key} {text}" for key, text in zip(SPLIT_KEYS[:2], shown, strict=False))
    problem += f" <> {SPLIT_KEYS[2]} {shown[2]}"
    return "cache_write_split_mismatch", SPLIT_KEYS[2], problem


def keep(line: Line, document: Pairs) -> Checked:
    checked = Checked(line)
    step: dict[str, Any] = {key: as_text(document.first(key)) for key in C.text_keys}
    for key in C.boolean_keys:
        step[key] = document.first(key)
    for key in C.integer_keys:
        value = document.first(key)
        issue = count_issue(value)
        step[key] = value if issue is None else None
        if issue and key not in C.critical_keys:
            checked.warnings.append((issue[0], key, issue[1]))
    events = document.first("timing_events")
    events = events if is_array(events) else []
    first = events[0] if events and isinstance(events[0], Pairs) else None
    event_type = first.first("event_type") if first else None
    step["first_timing_event_type"] = readable(event_type) if event_type is not None else None
    step["timing_event_count"] = len(events)
    tools = document.first("tools")
    if tools is not None and not is_array(tools):
        checked.warnings.append(("not_a_list", "tools", f"expected a list, got {kind(tools)}"))
    later = next((i for i, event in enumerate(events) if not isinstance(event, Pairs)), None)
    if later is not None:
        checked.warnings.append(
            ("event_not_an_object", f"timing_events[{later}]", "expected an object")
        )
    stamps = [
        (i, as_text(event.first("timestamp")))
        for i, event in enumerate(events)
        if isinstance(event, Pairs) and event.first("timestamp") is not None
    ]
    bad = [(i, text) for i, text in stamps if not is_iso_timestamp(text)]
    if bad:
        index, text = bad[0]
        problem = f"{len(bad)} timestamp(s) do not parse, the first: {text[:60]}"
        checked.warnings.append(
            ("unparseable_timestamp", f"timing_events[{index}].timestamp", problem)
        )
    total, prefix, append = (
        step["input_tokens_total"],
        step["prefix_tokens"],
        step["newly_append_tokens"],
    )
    if None not in (total, prefix, append) and total != prefix + append:
        problem = (
            f"input_tokens_total {total} <> prefix_tokens + newly_append_tokens {prefix + append}"
        )
        checked.warnings.append(("input_tokens_total_mismatch", "input_tokens_total", problem))
    checked.step = step
    return checked


def check_lines(paths: Iterable[str], max_line_bytes: int = MAX_LINE_BYTES) -> list[Checked]:
    return [check_line(line, max_line_bytes) for line in read_lines(paths)]


def read_steps(paths: list[str]) -> list[dict[str, Any]]:
    """The kept steps, in file order (duplicates kept)."""
    return [checked.step for checked in check_lines(paths) if checked.step]


# ---------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------


def scope_of(step: dict[str, Any]) -> str:
    return step.get("provider") or UNKNOWN_SCOPE


def trigger_of(step: dict[str, Any]) -> str | None:
    for trigger, first_event, _ in C.triggers:
        if first_event is not None and first_event == step.get("first_timing_event_type"):
            return trigger
    return None


def gated(step: dict[str, Any]) -> tuple[int, int] | None:
    prefix, append = step.get("prefix_tokens"), step.get("newly_append_tokens")
    if prefix is None or append is None or prefix + append <= 0:
        return None
    return prefix, append


def exclusion_reason(step: dict[str, Any]) -> str | None:
    if step.get("timing_event_count", 0) == 0:
        return "no_timing_events"
    if trigger_of(step) is None:
        return "first_event_other_type"
    if step.get("prefix_tokens") is None or step.get("newly_append_tokens") is None:
        return "null_token_field"
    if gated(step) is None:
        return "zero_total"
    return None


def hit_ratio(prefix: int, append: int) -> float:
    return float(prefix) / float(prefix + append)


def bin_of(ratio: float) -> tuple[int, str, float, float, str]:
    """Bin 0 holds exactly 0; otherwise the first bin whose upper edge the ratio does not exceed."""
    if ratio == 0.0:
        return C.bins[0]
    return next(b for b in C.bins[1:] if ratio <= b[3])


def bin_label(ratio: float) -> str:
    return bin_of(ratio)[1]


def bucket_of(ratio: float) -> str:
    return next(label for label, lower, upper in C.buckets if lower <= ratio < upper)


round_split_label = bucket_of


def scopes_present(steps: Iterable[dict[str, Any]]) -> list[str]:
    others = {scope_of(step) for step in steps} - set(C.scopes)
    return [*C.scopes, *sorted(others)]


def triggers() -> list[str]:
    return [trigger for trigger, _, _ in C.triggers]


def all_groups(scopes: list[str]) -> list[Group]:
    return [(scope, trigger) for scope in scopes for trigger in triggers()]


def scope_order(scope: str) -> int:
    return C.scopes.index(scope) + 1 if scope in C.scopes else len(C.scopes) + 1


def percentile_linear(sorted_values: list[float], q: float) -> float:
    """SPEC 3: i = (n-1)*q; v[lo] if lo == hi else v[lo]*(hi-i) + v[hi]*(i-lo)."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("percentile of an empty group is undefined")
    i = float(n - 1) * q
    lo, hi = math.floor(i), math.ceil(i)
    if lo == hi:
        return sorted_values[lo]
    return sorted_values[lo] * (hi - i) + sorted_values[hi] * (i - lo)


def mean_of_ratios(ratios: list[float]) -> float:
    """The documented mean: six exact 26-bit slices per ratio, summed as integers, joined
    smallest first in double arithmetic, then divided by n."""
    sums = [0] * 6
    for ratio in ratios:
        for piece in range(6):
            sums[piece] += math.floor(math.fmod(ratio * 67108864.0**piece, 67108864.0))
    total = float(sums[5]) * 2.0**-130
    for piece in (4, 3, 2, 1, 0):
        total = float(sums[piece]) * 2.0 ** (-26 * piece) + total
    return total / float(len(ratios))


def share(part: int, total: int) -> float | None:
    return None if total == 0 else (float(part) / float(total)) * 100


def in_threshold(ratio: float, lower: float | None, upper: float | None) -> bool:
    return (lower is None or ratio >= lower) and (upper is None or ratio < upper)


def eligible_groups(steps: list[dict[str, Any]], groups: list[Group]) -> dict[Group, list]:
    members: dict[Group, list[tuple[float, int]]] = {group: [] for group in groups}
    for step in steps:
        tokens, trigger = gated(step), trigger_of(step)
        if tokens is None or trigger is None:
            continue
        ratio = hit_ratio(*tokens)
        for scope in (MERGED, scope_of(step)):
            for group_trigger in (ALL, trigger):
                members[(scope, group_trigger)].append((ratio, tokens[1]))
    return members


def token_weighted_groups(steps: list[dict[str, Any]], groups: list[Group]) -> dict[Group, list]:
    members: dict[Group, list[tuple[int, int]]] = {group: [] for group in groups}
    for step in steps:
        tokens = gated(step)
        if tokens is None:
            continue
        trigger = trigger_of(step)
        for scope in (MERGED, scope_of(step)):
            for group_trigger in [ALL] + ([trigger] if trigger else []):
                members[(scope, group_trigger)].append(tokens)
    return members


# ---------------------------------------------------------------------------
# Cell formatting (independent of the writer: Decimal for the rounding)
# ---------------------------------------------------------------------------


def fmt_int(value: int) -> str:
    return str(int(value))


def fmt_float(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def fmt_pct(value: float | None, decimals: int = 2) -> str:
    """x.xx%: the exact binary value rounded half to even."""
    if value is None:
        return ""
    step = Decimal(1).scaleb(-decimals)
    return f"{Decimal(value).quantize(step, rounding=ROUND_HALF_EVEN)}%"


def fmt_table_cell(rate: float | None, percent_sign: str) -> str:
    return "--" if rate is None else fmt_pct(rate * 100, 1).replace("%", percent_sign)


def to_csv(header: Iterable[str], rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(header))
    writer.writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# The output files
# ---------------------------------------------------------------------------


def summary_rows(groups: list[Group], eligible: dict[Group, list]) -> list[Row]:
    rows = []
    for scope, trigger in groups:
        members = eligible[(scope, trigger)]
        ratios = sorted(ratio for ratio, _ in members)
        n, appends = len(ratios), sum(append for _, append in members)
        if n == 0:
            cells = [""] * (1 + len(C.quantiles) + len(C.thresholds))
            cells += [""] * sum(1 for t in C.thresholds if t[3])
            rows.append([scope, trigger, "0", "0", *cells])
            continue
        rounds = [
            fmt_pct(share(sum(1 for r in ratios if in_threshold(r, lo, hi)), n))
            for _, lo, hi, _ in C.thresholds
        ]
        append_shares = [
            fmt_pct(share(sum(a for r, a in members if in_threshold(r, lo, hi)), appends))
            for _, lo, hi, weighs in C.thresholds
            if weighs
        ]
        percentiles = [fmt_float(percentile_linear(ratios, q)) for _, q in C.quantiles]
        rows.append(
            [scope, trigger, fmt_int(n), fmt_int(appends), fmt_float(mean_of_ratios(ratios)),
             *percentiles, *rounds, *append_shares]
        )  # fmt: skip
    return rows


def summary_header() -> list[str]:
    return [
        "scope", "trigger", "rounds", "append_tokens", "mean_hit_ratio",
        *(name for name, _ in C.quantiles),
        *(f"round_hit_{name}_pct" for name, _, _, _ in C.thresholds),
        *(f"append_hit_{name}_pct" for name, _, _, weighs in C.thresholds if weighs),
    ]  # fmt: skip


def bin_counts(members: list[tuple[float, int]]) -> dict[int, tuple[int, int]]:
    counts = {b[0]: (0, 0) for b in C.bins}
    for ratio, append in members:
        index = bin_of(ratio)[0]
        steps, tokens = counts[index]
        counts[index] = (steps + 1, tokens + append)
    return counts


def bins_rows(groups: list[Group], eligible: dict[Group, list]) -> list[Row]:
    rows = []
    for scope, trigger in groups:
        members = eligible[(scope, trigger)]
        n, appends = len(members), sum(a for _, a in members)
        counts = bin_counts(members)
        for index, label, _, _, _ in C.bins:
            steps, tokens = counts[index]
            rows.append([scope, trigger, label, fmt_int(steps), fmt_pct(share(steps, n)),
                         fmt_int(tokens), fmt_pct(share(tokens, appends))])  # fmt: skip
    return rows


def histogram_rows(groups: list[Group], eligible: dict[Group, list]) -> list[Row]:
    colours = {band: (colour, label) for band, colour, label in C.bands}
    order = {trigger: i for i, trigger in enumerate(triggers(), start=1)}
    rows = []
    for scope, trigger in groups:
        members = eligible[(scope, trigger)]
        n, appends = len(members), sum(a for _, a in members)
        counts = bin_counts(members)
        for index, label, _, upper, band in C.bins:
            steps, tokens = counts[index]
            colour, band_label = colours[band]
            rows.append(
                [scope, trigger, str(scope_order(scope)), str(order[trigger]), str(index), label,
                 fmt_float(upper), band, band_label, colour, fmt_int(steps),
                 fmt_float(share(steps, n)), fmt_int(tokens), fmt_float(share(tokens, appends)),
                 fmt_int(n), fmt_int(appends)]
            )  # fmt: skip
    return rows


def band_share_rows(groups: list[Group], eligible: dict[Group, list]) -> list[Row]:
    rows = []
    for scope, trigger in groups:
        members = eligible[(scope, trigger)]
        n, appends = len(members), sum(a for _, a in members)
        for band, _, band_label in C.bands:
            inside = [(r, a) for r, a in members if bin_of(r)[4] == band]
            steps, tokens = len(inside), sum(a for _, a in inside)
            rows.append([scope, trigger, band, band_label, fmt_int(steps), fmt_pct(share(steps, n)),
                         fmt_int(tokens), fmt_pct(share(tokens, appends))])  # fmt: skip
    return rows


def round_split_rows(groups: list[Group], eligible: dict[Group, list]) -> list[Row]:
    rows = []
    for scope, trigger in groups:
        members = eligible[(scope, trigger)]
        for label, _, _ in C.buckets:
            steps = sum(1 for r, _ in members if bucket_of(r) == label)
            rows.append(
                [scope, trigger, label, fmt_int(steps), fmt_pct(share(steps, len(members)))]
            )
    return rows


def token_weighted_rate(members: list[tuple[int, int]]) -> float | None:
    total = sum(p + a for p, a in members)
    return None if total == 0 else float(sum(p for p, _ in members)) / float(total)


def token_weighted_rows(groups: list[Group], weighted: dict[Group, list]) -> list[Row]:
    rows = []
    for scope, trigger in groups:
        members = weighted[(scope, trigger)]
        prefix, append = sum(p for p, _ in members), sum(a for _, a in members)
        rate = fmt_float(token_weighted_rate(members))
        rows.append(
            [scope, trigger, fmt_int(len(members)), fmt_int(prefix), fmt_int(append),
             fmt_int(prefix + append), rate]
        )  # fmt: skip
    return rows


def rate_cells(rates: dict[Group, float | None], percent_sign: str) -> list[list[str]]:
    return [
        [label]
        + [
            fmt_table_cell(rates[(scope, trigger)], percent_sign)
            for scope in ("claude", "codex", MERGED)
        ]
        for trigger, _, label in C.triggers
    ]


# The caption under cache_hit_ratio_table.md (the words of the atlas page, copied), as one line
TABLE_CAPTION = (
    "Token-weighted prefix cache-hit rate, `sum(prefix) / sum(prefix + append)`, of Claude, "
    "Codex and both (Total). First row: every step that passes the validity gate, whatever its "
    "first timing event (more steps than the eligible steps of Fig. 1). Second and third rows: "
    "the steps whose first timing event is a `user_message`, resp. a `tool_result`. `--` means "
    "no such step."
)


def markdown_table(rates: dict[Group, float | None]) -> str:
    lines = ["| Metric | Claude | Codex | Total |", "|---|---:|---:|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in rate_cells(rates, "%")]
    lines += ["", TABLE_CAPTION]
    return "\n".join(lines) + "\n"


def latex_table(rates: dict[Group, float | None]) -> str:
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{Token-weighted prefix cache-hit rate by provider and step trigger.}",
        r"\label{tab:prefix-cache-hit-rate}",
        r"\begin{tabular}{lrrr}",
        r"\toprule",
        r"Metric & Claude & Codex & Total \\",
        r"\midrule",
    ]
    lines += [" & ".join(row) + r" \\" for row in rate_cells(rates, r"\%")]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def line_number_key(checked: Checked) -> tuple[str, int]:
    return checked.line.file, checked.line.number


def rejected_rows(checked: list[Checked]) -> list[Row]:
    rejected = sorted((c for c in checked if c.reason), key=line_number_key)
    return [
        [
            c.line.file,
            str(c.line.number),
            c.reason or "",
            c.bad_field or "",
            c.problem or "",
            c.excerpt or "",
        ]
        for c in rejected
    ]


def warning_rows(checked: list[Checked]) -> list[Row]:
    rows = [
        [c.line.file, c.line.number, warning, field_name, problem]
        for c in checked
        for warning, field_name, problem in c.warnings
    ]
    rows.sort(key=lambda row: (row[0], row[1], row[2], row[3]))
    return [[file, str(number), *rest] for file, number, *rest in rows]


def audit_rows(checked: list[Checked], steps: list[dict[str, Any]]) -> list[Row]:
    rejected = [c.reason for c in checked if c.reason]
    reasons = [exclusion_reason(step) for step in steps]
    warnings = [w for c in checked for w, _, _ in c.warnings]
    rows = [
        ["lines", "lines_read", len(checked)],
        ["lines", "blank_lines", sum(1 for c in checked if c.blank)],
        ["lines", "rejected_lines", len(rejected)],
        ["lines", "steps_ingested", len(steps)],
        *(["rejected", reason, rejected.count(reason)] for reason in C.rejection_reasons),
        ["steps", "eligible_steps", reasons.count(None)],
        ["steps", "excluded_steps", len(reasons) - reasons.count(None)],
        *(["excluded", reason, reasons.count(reason)] for reason in C.exclusion_reasons),
        *(["warnings", kind_name, warnings.count(kind_name)] for kind_name in C.warning_kinds),
    ]
    return [[section, item, str(count)] for section, item, count in rows]


OUTPUT_NAMES: tuple[str, ...] = (
    "cache_hit_ratio_summary.csv",
    "cache_hit_ratio_bins.csv",
    "cache_hit_ratio_round_split.csv",
    "cache_hit_ratio_token_weighted.csv",
    "cache_hit_ratio_table.md",
    "prefix_cache_hit_rate_table.tex",
    "cache_hit_ratio_histogram_data.csv",
    "cache_hit_ratio_band_shares.csv",
    "cache_hit_ratio_step_audit.csv",
    "rejected_lines.csv",
    "line_warnings.csv",
)


def compute_outputs(checked: list[Checked]) -> dict[str, str]:
    """Output file name -> exact expected text, for every text output of a run."""
    steps = [c.step for c in checked if c.step]
    groups = all_groups(scopes_present(steps))
    eligible = eligible_groups(steps, groups)
    weighted = token_weighted_groups(steps, groups)
    rates = {group: token_weighted_rate(weighted[group]) for group in groups}
    return {
        "cache_hit_ratio_summary.csv": to_csv(summary_header(), summary_rows(groups, eligible)),
        "cache_hit_ratio_bins.csv": to_csv(
            [
                "scope",
                "trigger",
                "bin",
                "rounds",
                "round_share",
                "append_tokens",
                "append_token_share",
            ],
            bins_rows(groups, eligible),
        ),
        "cache_hit_ratio_round_split.csv": to_csv(
            ["scope", "trigger", "hit_ratio_bucket", "rounds", "round_share"],
            round_split_rows(groups, eligible),
        ),
        "cache_hit_ratio_token_weighted.csv": to_csv(
            [
                "scope",
                "trigger",
                "rounds",
                "prefix_tokens",
                "append_tokens",
                "total_input_tokens",
                "token_weighted_hit_rate",
            ],
            token_weighted_rows(groups, weighted),
        ),
        "cache_hit_ratio_table.md": markdown_table(rates),
        "prefix_cache_hit_rate_table.tex": latex_table(rates),
        "cache_hit_ratio_histogram_data.csv": to_csv(
            [
                "scope",
                "trigger",
                "scope_order",
                "trigger_order",
                "bin_index",
                "bin",
                "upper_edge",
                "band",
                "band_label",
                "band_color",
                "rounds",
                "round_share_pct",
                "append_tokens",
                "append_token_share_pct",
                "group_rounds",
                "group_append_tokens",
            ],
            histogram_rows(groups, eligible),
        ),
        "cache_hit_ratio_band_shares.csv": to_csv(
            [
                "scope",
                "trigger",
                "band",
                "band_label",
                "rounds",
                "round_share",
                "append_tokens",
                "append_token_share",
            ],
            band_share_rows(groups, eligible),
        ),
        "cache_hit_ratio_step_audit.csv": to_csv(
            ["section", "item", "count"], audit_rows(checked, steps)
        ),
        "rejected_lines.csv": to_csv(
            ["file", "line", "reason", "field", "problem", "line_excerpt"], rejected_rows(checked)
        ),
        "line_warnings.csv": to_csv(
            ["file", "line", "warning", "field", "problem"], warning_rows(checked)
        ),
    }


def outputs_for(paths: list[str], max_line_bytes: int = MAX_LINE_BYTES) -> dict[str, str]:
    return compute_outputs(check_lines(paths, max_line_bytes))


def outputs_of_steps(steps: list[dict[str, Any]]) -> dict[str, str]:
    """The outputs of already-parsed steps (for hand-made examples: each becomes a kept line)."""
    checked = []
    for number, step in enumerate(steps, start=1):
        kept = dict(step)
        events = step.get("timing_events") or []
        first = events[0] if events and isinstance(events[0], dict) else {}
        kept["first_timing_event_type"] = first.get("event_type")
        kept["timing_event_count"] = len(events) if isinstance(events, list) else 0
        checked.append(Checked(Line("steps.jsonl", number, b""), step=kept))
    return compute_outputs(checked)


SUMMARY_COLUMNS = tuple(summary_header())


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print("usage: python tests/reference.py OUT_DIR TRACE_FILE [TRACE_FILE ...]")
        return 2
    out_dir = Path(argv[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = outputs_for([str(Path(p).resolve()) for p in argv[1:]])
    for name, text in outputs.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {len(outputs)} files to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
