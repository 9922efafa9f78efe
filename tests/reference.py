"""Independent pure-Python reference for the prefix cache-hit-ratio experiment.

Written from SPEC.md sections 3-4 only (never from the project's SQL), so that the
end-to-end tests compare two independent implementations.  Standard library only.

Usage as a script (handy for debugging):

    python tests/reference.py OUT_DIR TRACE_FILE [TRACE_FILE ...]

writes the six text outputs (four CSVs, the Markdown and the LaTeX table) into OUT_DIR.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------
# Constants of the experiment (SPEC section 3)
# ---------------------------------------------------------------------------

FIXED_SCOPES: tuple[str, ...] = ("merged", "claude", "codex")
TRIGGERS: tuple[str, ...] = ("all", "user", "tool_result")
TRIGGER_OF_FIRST_EVENT: dict[str, str] = {"user_message": "user", "tool_result": "tool_result"}
UNKNOWN_SCOPE = "unknown"

QUANTILES: tuple[tuple[str, float], ...] = (
    ("p01", 0.01),
    ("p05", 0.05),
    ("p10", 0.1),
    ("p25", 0.25),
    ("median", 0.5),
    ("p75", 0.75),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
)

# (label, upper edge); bin "0" holds ratio exactly 0.
BINS: tuple[tuple[str, float], ...] = (
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
)

# (label, lower bound inclusive, upper bound exclusive)
ROUND_SPLIT_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("<10%", 0.0, 0.10),
    ("10-40%", 0.10, 0.40),
    ("40-80%", 0.40, 0.80),
    ("80%+", 0.80, math.inf),
)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "scope",
    "trigger",
    "rounds",
    "append_tokens",
    "mean_hit_ratio",
    *(name for name, _ in QUANTILES),
    "round_hit_lt_0_5_pct",
    "round_hit_0_5_to_0_9_pct",
    "round_hit_gte_0_9_pct",
    "round_hit_gte_0_95_pct",
    "round_hit_gte_0_98_pct",
    "round_hit_gte_0_99_pct",
    "append_hit_lt_0_5_pct",
    "append_hit_0_5_to_0_9_pct",
    "append_hit_gte_0_9_pct",
)
BINS_COLUMNS: tuple[str, ...] = (
    "scope",
    "trigger",
    "bin",
    "rounds",
    "round_share",
    "append_tokens",
    "append_token_share",
)
ROUND_SPLIT_COLUMNS: tuple[str, ...] = (
    "scope",
    "trigger",
    "hit_ratio_bucket",
    "rounds",
    "round_share",
)
TOKEN_WEIGHTED_COLUMNS: tuple[str, ...] = (
    "scope",
    "trigger",
    "rounds",
    "prefix_tokens",
    "append_tokens",
    "total_input_tokens",
    "token_weighted_hit_rate",
)

TABLE_ROWS: tuple[tuple[str, str], ...] = (
    ("Prefix cache-hit rate", "all"),
    ("Prefix hit rate (user-initiated)", "user"),
    ("Prefix hit rate (tool-result)", "tool_result"),
)
TABLE_SCOPES: tuple[str, ...] = ("claude", "codex", "merged")

OUTPUT_NAMES: tuple[str, ...] = (
    "cache_hit_ratio_summary.csv",
    "cache_hit_ratio_bins.csv",
    "cache_hit_ratio_round_split.csv",
    "cache_hit_ratio_token_weighted.csv",
    "cache_hit_ratio_table.md",
    "prefix_cache_hit_rate_table.tex",
)

Group = tuple[str, str]  # (scope, trigger)
Row = list[str]


# ---------------------------------------------------------------------------
# Reading the input
# ---------------------------------------------------------------------------


def _open_text(path: str) -> io.TextIOBase:
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig")  # type: ignore[return-value]
    return open(path, encoding="utf-8-sig")


def _iter_lines(paths: Iterable[str]) -> Iterator[str]:
    for path in sorted(paths):
        with _open_text(path) as handle:
            yield from handle


def read_steps(paths: list[str]) -> list[dict[str, Any]]:
    """Every non-blank line of every file (sorted by path) is one step; duplicates kept."""
    return [json.loads(line) for line in _iter_lines(paths) if line.strip()]


# ---------------------------------------------------------------------------
# Per-step classification
# ---------------------------------------------------------------------------


def step_scope(step: dict[str, Any]) -> str:
    provider = step.get("provider")
    return UNKNOWN_SCOPE if provider is None else provider


def first_event_type(step: dict[str, Any]) -> str | None:
    events = step.get("timing_events")
    if not events:
        return None
    first = events[0]
    if not isinstance(first, dict):
        return None
    return first.get("event_type")


def gated_tokens(step: dict[str, Any]) -> tuple[int, int] | None:
    """(prefix, append) when the step passes the validity gate, else None."""
    prefix = step.get("prefix_tokens")
    append = step.get("newly_append_tokens")
    if prefix is None or append is None:
        return None
    prefix, append = int(prefix), int(append)
    if prefix + append <= 0:
        return None
    return prefix, append


def hit_ratio(prefix: int, append: int) -> float:
    return float(prefix) / float(prefix + append)


def bin_label(ratio: float) -> str | None:
    """Bin "0" for exactly 0, else the first bin whose upper edge the ratio does not exceed."""
    if ratio == 0.0:
        return BINS[0][0]
    for label, upper in BINS[1:]:
        if ratio <= upper:
            return label
    return None


def round_split_label(ratio: float) -> str | None:
    for label, lower, upper in ROUND_SPLIT_BUCKETS:
        if lower <= ratio < upper:
            return label
    return None


def scopes_present(steps: Iterable[dict[str, Any]]) -> list[str]:
    """merged, claude, codex, then every other scope seen on any line, alphabetically."""
    others = {step_scope(step) for step in steps} - set(FIXED_SCOPES)
    return [*FIXED_SCOPES, *sorted(others)]


def all_groups(scopes: list[str]) -> list[Group]:
    return [(scope, trigger) for scope in scopes for trigger in TRIGGERS]


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def percentile_linear(sorted_values: list[float], q: float) -> float:
    """SPEC section 3: i = (n-1)*q; v[lo] if lo == hi else v[lo]*(hi-i) + v[hi]*(i-lo)."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("percentile of an empty group is undefined")
    i = float(n - 1) * q
    lo = math.floor(i)
    hi = math.ceil(i)
    if lo == hi:
        return sorted_values[lo]
    return sorted_values[lo] * (hi - i) + sorted_values[hi] * (i - lo)


def share(part: int, total: int) -> float | None:
    """(part / total) * 100 in double precision; None when the total is 0."""
    if total == 0:
        return None
    return (float(part) / float(total)) * 100


# ---------------------------------------------------------------------------
# Cell formatting
# ---------------------------------------------------------------------------


def fmt_int(value: int) -> str:
    return str(int(value))


def fmt_float(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def fmt_pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}%"


def fmt_table_cell(rate: float | None, percent_sign: str) -> str:
    return "--" if rate is None else f"{rate * 100:.1f}{percent_sign}"


def to_csv(header: Iterable[str], rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(header))
    writer.writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Grouping (the fan-out to merged / provider scope and to all / own trigger)
# ---------------------------------------------------------------------------


def eligible_groups(steps: list[dict[str, Any]], groups: list[Group]) -> dict[Group, list]:
    """(scope, trigger) -> list of (hit_ratio, append_tokens) of eligible steps, in step order."""
    members: dict[Group, list[tuple[float, int]]] = {group: [] for group in groups}
    for step in steps:
        tokens = gated_tokens(step)
        trigger = TRIGGER_OF_FIRST_EVENT.get(first_event_type(step) or "")
        if tokens is None or trigger is None:
            continue
        prefix, append = tokens
        ratio = hit_ratio(prefix, append)
        for scope in ("merged", step_scope(step)):
            for group_trigger in ("all", trigger):
                members[(scope, group_trigger)].append((ratio, append))
    return members


def token_weighted_groups(steps: list[dict[str, Any]], groups: list[Group]) -> dict[Group, list]:
    """(scope, trigger) -> list of (prefix, append); trigger all = every gate-passing step."""
    members: dict[Group, list[tuple[int, int]]] = {group: [] for group in groups}
    for step in steps:
        tokens = gated_tokens(step)
        if tokens is None:
            continue
        trigger = TRIGGER_OF_FIRST_EVENT.get(first_event_type(step) or "")
        triggers = ["all"] if trigger is None else ["all", trigger]
        for scope in ("merged", step_scope(step)):
            for group_trigger in triggers:
                members[(scope, group_trigger)].append(tokens)
    return members


# ---------------------------------------------------------------------------
# Outputs 1-5
# ---------------------------------------------------------------------------


def summary_row(group: Group, members: list[tuple[float, int]]) -> Row:
    scope, trigger = group
    ratios = sorted(ratio for ratio, _ in members)
    n = len(ratios)
    appends_total = sum(append for _, append in members)
    if n == 0:
        return [scope, trigger, "0", "0"] + [""] * (len(SUMMARY_COLUMNS) - 4)

    def count_where(predicate: Any) -> int:
        return sum(1 for ratio in ratios if predicate(ratio))

    def appends_where(predicate: Any) -> int:
        return sum(append for ratio, append in members if predicate(ratio))

    mean = math.fsum(ratios) / n
    percentiles = [fmt_float(percentile_linear(ratios, q)) for _, q in QUANTILES]
    round_predicates = (
        lambda r: r < 0.5,
        lambda r: 0.5 <= r < 0.9,
        lambda r: r >= 0.9,
        lambda r: r >= 0.95,
        lambda r: r >= 0.98,
        lambda r: r >= 0.99,
    )
    append_predicates = round_predicates[:3]
    round_shares = [fmt_pct(share(count_where(p), n)) for p in round_predicates]
    append_shares = [fmt_pct(share(appends_where(p), appends_total)) for p in append_predicates]
    return [
        scope,
        trigger,
        fmt_int(n),
        fmt_int(appends_total),
        fmt_float(mean),
        *percentiles,
        *round_shares,
        *append_shares,
    ]


def bins_rows(group: Group, members: list[tuple[float, int]]) -> list[Row]:
    scope, trigger = group
    rounds_total = len(members)
    appends_total = sum(append for _, append in members)
    rounds_in = {label: 0 for label, _ in BINS}
    appends_in = {label: 0 for label, _ in BINS}
    for ratio, append in members:
        label = bin_label(ratio)
        if label is not None:
            rounds_in[label] += 1
            appends_in[label] += append
    return [
        [
            scope,
            trigger,
            label,
            fmt_int(rounds_in[label]),
            fmt_pct(share(rounds_in[label], rounds_total)),
            fmt_int(appends_in[label]),
            fmt_pct(share(appends_in[label], appends_total)),
        ]
        for label, _ in BINS
    ]


def round_split_rows(group: Group, members: list[tuple[float, int]]) -> list[Row]:
    scope, trigger = group
    rounds_total = len(members)
    rounds_in = {label: 0 for label, _, _ in ROUND_SPLIT_BUCKETS}
    for ratio, _ in members:
        label = round_split_label(ratio)
        if label is not None:
            rounds_in[label] += 1
    return [
        [
            scope,
            trigger,
            label,
            fmt_int(rounds_in[label]),
            fmt_pct(share(rounds_in[label], rounds_total)),
        ]
        for label, _, _ in ROUND_SPLIT_BUCKETS
    ]


def token_weighted_rate(members: list[tuple[int, int]]) -> float | None:
    prefix_sum = sum(prefix for prefix, _ in members)
    total = sum(prefix + append for prefix, append in members)
    return None if total == 0 else float(prefix_sum) / float(total)


def token_weighted_row(group: Group, members: list[tuple[int, int]]) -> Row:
    scope, trigger = group
    prefix_sum = sum(prefix for prefix, _ in members)
    append_sum = sum(append for _, append in members)
    return [
        scope,
        trigger,
        fmt_int(len(members)),
        fmt_int(prefix_sum),
        fmt_int(append_sum),
        fmt_int(prefix_sum + append_sum),
        fmt_float(token_weighted_rate(members)),
    ]


def markdown_table(rates: dict[Group, float | None]) -> str:
    lines = [
        "| Metric | Claude | Codex | Total |",
        "|---|---:|---:|---:|",
    ]
    for metric, trigger in TABLE_ROWS:
        cells = [fmt_table_cell(rates[(scope, trigger)], "%") for scope in TABLE_SCOPES]
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
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
    for metric, trigger in TABLE_ROWS:
        cells = [fmt_table_cell(rates[(scope, trigger)], r"\%") for scope in TABLE_SCOPES]
        lines.append(f"{metric} & " + " & ".join(cells) + r" \\")
    lines += [
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def compute_outputs(steps: list[dict[str, Any]]) -> dict[str, str]:
    """Output file name -> exact expected text, for outputs 1-5 of SPEC section 4."""
    groups = all_groups(scopes_present(steps))
    eligible = eligible_groups(steps, groups)
    weighted = token_weighted_groups(steps, groups)
    rates = {group: token_weighted_rate(weighted[group]) for group in groups}
    return {
        "cache_hit_ratio_summary.csv": to_csv(
            SUMMARY_COLUMNS, (summary_row(g, eligible[g]) for g in groups)
        ),
        "cache_hit_ratio_bins.csv": to_csv(
            BINS_COLUMNS, (row for g in groups for row in bins_rows(g, eligible[g]))
        ),
        "cache_hit_ratio_round_split.csv": to_csv(
            ROUND_SPLIT_COLUMNS, (row for g in groups for row in round_split_rows(g, eligible[g]))
        ),
        "cache_hit_ratio_token_weighted.csv": to_csv(
            TOKEN_WEIGHTED_COLUMNS, (token_weighted_row(g, weighted[g]) for g in groups)
        ),
        "cache_hit_ratio_table.md": markdown_table(rates),
        "prefix_cache_hit_rate_table.tex": latex_table(rates),
    }


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print("usage: python tests/reference.py OUT_DIR TRACE_FILE [TRACE_FILE ...]")
        return 2
    out_dir = Path(argv[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = compute_outputs(read_steps(argv[1:]))
    for name, text in outputs.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {len(outputs)} files to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
