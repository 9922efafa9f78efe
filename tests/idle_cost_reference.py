"""Independent plain-Python reference for the idle-gap and thinking-time tables.

Written from the rules of the reference atlas as restated in the shared notes (idle gaps and the
cost of thinking time), never from the project's SQL, and reading no project file: the price
table below is the reference atlas's, typed in here. It reads normalized trace files (JSONL,
optionally gzip) and returns the text of cache_hit_idle_gap_summary.csv and
human_idle_cache_counterfactual_summary.csv. Standard library only.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOW_HIT = 0.10
IDLE_SECONDS = 300.0
SCOPES = ("merged", "claude", "codex")
TRIGGERS = ("all", "user", "tool_result")
TIME_MEASURES = {
    "all": "mixed_user_idle_wait_or_tool_duration",
    "user": "user_idle_wait_since_previous_activity",
    "tool_result": "tool_duration_result_at_minus_emitted_at",
}
PRICING_AS_OF = "2026-06"
# USD per million tokens: input, 5-minute cache write (None: the input rate), cache read, output.
EXACT_PRICES = {
    "claude:claude-opus-4-8": (5.0, 6.25, 0.5, 25.0),
    "claude:claude-opus-4-7": (5.0, 6.25, 0.5, 25.0),
    "claude:claude-opus-4-6": (5.0, 6.25, 0.5, 25.0),
    "claude:claude-sonnet-4-6": (3.0, 3.75, 0.3, 15.0),
    "claude:claude-haiku-4-5": (1.0, 1.25, 0.1, 5.0),
    "codex:gpt-5.5": (5.0, None, 0.5, 30.0),
    "codex:gpt-5.4": (2.5, None, 0.25, 15.0),
    "codex:gpt-5": (1.25, None, 0.125, 10.0),
    # beyond the reference atlas's table: the providers' price pages (docs/outputs.md)
    "claude:claude-opus-4-1": (15.0, 18.75, 1.5, 75.0),
    "claude:claude-sonnet-4-5": (3.0, 3.75, 0.3, 15.0),
    "claude:claude-3-5-haiku": (0.8, 1.0, 0.08, 4.0),
    "codex:gpt-5-mini": (0.25, None, 0.025, 2.0),
    "codex:gpt-5-nano": (0.05, None, 0.005, 0.4),
}
FAMILY_PRICES = (
    ("opus", (5.0, 6.25, 0.5, 25.0)),
    ("sonnet", (3.0, 3.75, 0.3, 15.0)),
    ("haiku", (1.0, 1.25, 0.1, 5.0)),
    ("gpt-5", (5.0, None, 0.5, 30.0)),
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- reading


def read_steps(paths: list[str]) -> list[dict[str, Any]]:
    """Every JSON-object line of the files, in sorted file-name order then line order."""
    steps = []
    for path in sorted(paths):
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                value = json.loads(line)
                if isinstance(value, dict):
                    steps.append(value)
    return steps


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def epoch_us(text: Any) -> int | None:
    """An ISO 8601 date-time with a zone as microseconds since 1970; None otherwise."""
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def events_of(step: dict) -> list[dict]:
    events = step.get("timing_events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def tools_of(step: dict) -> list[dict]:
    tools = step.get("tools")
    return [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []


def activity(step: dict) -> list[int]:
    times = [epoch_us(e.get("timestamp")) for e in events_of(step)]
    for tool in tools_of(step):
        times += [epoch_us(tool.get("emitted_at")), epoch_us(tool.get("result_at"))]
    return [t for t in times if t is not None]


def first_event(step: dict) -> dict | None:
    events = step.get("timing_events")
    return (
        events[0] if isinstance(events, list) and events and isinstance(events[0], dict) else None
    )


# ---------------------------------------------------------------- the idle-gap table


def linear_percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    lower, upper = math.floor(index), math.ceil(index)
    if lower == upper:
        return ordered[lower]
    return ordered[lower] * (upper - index) + ordered[upper] * (index - lower)


def share(numerator: int, denominator: int) -> str:
    return "" if denominator <= 0 else f"{numerator / denominator * 100:.2f}%"


def general(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def idle_gap_summary(steps: list[dict]) -> str:
    sessions: dict[tuple[str, str], list[tuple[int, float, int, dict]]] = defaultdict(list)
    for position, step in enumerate(steps):
        provider, session = string(step.get("provider")), string(step.get("session_id"))
        round_index = integer(step.get("round_index"))
        if provider is None or session is None or round_index is None:
            continue
        events = events_of(step)
        first = next(
            (t for t in (epoch_us(e.get("timestamp")) for e in events) if t is not None), None
        )
        times = activity(step)
        if first is None and times:
            first = min(times)
        step = {**step, "_first": first, "_last": max(times) if times else None}
        key = first if first is not None else -math.inf
        sessions[(provider, session)].append((round_index, key, position, step))

    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "low": 0, "gaps": [], "low_gaps": [], "nonlow_gaps": []}
    )
    for (provider, _), members in sessions.items():
        members.sort(key=lambda member: (member[0], member[1], member[2]))
        ordered = [member[3] for member in members]
        durations: dict[str, float | None] = {}
        for offset, step in enumerate(ordered):
            own: dict[str, float | None] = {}
            for tool in tools_of(step):
                call = tool.get("tool_call_id")
                if not isinstance(call, str) or not call:
                    continue
                emitted, result = epoch_us(tool.get("emitted_at")), epoch_us(tool.get("result_at"))
                if emitted is None or result is None:
                    own[call] = None
                else:
                    seconds = (result - emitted) / 1e6
                    own[call] = seconds if seconds >= 0 else None
            event = first_event(step)
            kind = string(event.get("event_type")) if event else None
            prefix, append = (
                integer(step.get("prefix_tokens")),
                integer(step.get("newly_append_tokens")),
            )
            if (
                kind not in ("user_message", "tool_result")
                or prefix is None
                or append is None
                or prefix + append <= 0
            ):
                durations.update(own)
                continue
            trigger = "user" if kind == "user_message" else "tool_result"
            ratio = prefix / (prefix + append)
            gap = None
            if trigger == "user" and offset > 0:
                before, now = ordered[offset - 1]["_last"], step["_first"]
                if before is not None and now is not None and (now - before) / 1e6 >= 0:
                    gap = (now - before) / 1e6
            elif trigger == "tool_result":
                found = []
                for leading in (
                    events_of(step) if isinstance(step.get("timing_events"), list) else []
                ):
                    if leading.get("event_type") != "tool_result":
                        break
                    call = leading.get("tool_call_id")
                    if isinstance(call, str) and call and durations.get(call) is not None:
                        found.append(durations[call])
                gap = max(found) if found else None
            for group in ((s, t) for s in ("merged", provider) for t in ("all", trigger)):
                data = groups[group]
                data["n"] += 1
                low = ratio < LOW_HIT
                data["low"] += low
                if gap is not None:
                    data["gaps"].append(gap)
                    (data["low_gaps"] if low else data["nonlow_gaps"]).append(gap)
            durations.update(own)

    rows = [
        [
            "scope", "trigger", "time_measure", "rounds", "low_hit_threshold",
            "idle_threshold_seconds", "low_hit_rounds", "low_with_gap", "low_gt_idle",
            "low_gt_idle_share", "all_with_gap", "all_gt_idle_share", "nonlow_gt_idle_share",
            "low_gap_median_s", "low_gap_p90_s", "all_gap_median_s", "all_gap_p90_s",
        ]
    ]  # fmt: skip
    for scope in SCOPES:
        for trigger in TRIGGERS:
            data = groups.get(
                (scope, trigger), {"n": 0, "low": 0, "gaps": [], "low_gaps": [], "nonlow_gaps": []}
            )
            long_all = sum(gap > IDLE_SECONDS for gap in data["gaps"])
            long_low = sum(gap > IDLE_SECONDS for gap in data["low_gaps"])
            long_nonlow = sum(gap > IDLE_SECONDS for gap in data["nonlow_gaps"])
            rows.append(
                [
                    scope, trigger, TIME_MEASURES[trigger], str(data["n"]), repr(LOW_HIT),
                    repr(IDLE_SECONDS), str(data["low"]), str(len(data["low_gaps"])), str(long_low),
                    share(long_low, len(data["low_gaps"])), str(len(data["gaps"])),
                    share(long_all, len(data["gaps"])),
                    share(long_nonlow, len(data["nonlow_gaps"])),
                    general(linear_percentile(data["low_gaps"], 0.5)),
                    general(linear_percentile(data["low_gaps"], 0.9)),
                    general(linear_percentile(data["gaps"], 0.5)),
                    general(linear_percentile(data["gaps"], 0.9)),
                ]
            )  # fmt: skip
    return to_csv(rows)


# ---------------------------------------------------------------- the counterfactual table


class Prices:
    """A price table: exact entries by `provider:model`, family entries in order (each with
    the provider it is limited to, or None), and its date (year-month)."""

    def __init__(self, exact: dict, families: list, as_of: str) -> None:
        self.exact, self.families, self.as_of = exact, families, as_of

    @classmethod
    def from_csv(cls, path: Path) -> Prices:
        """A user's price file (the seed's columns): the latest row of a key applies."""
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))

        def rates(row: dict) -> tuple:
            write = row["cache_write_5m_per_mtok"]
            return (float(row["input_per_mtok"]), float(write) if write else None,
                    float(row["cache_read_per_mtok"]), float(row["output_per_mtok"]))  # fmt: skip

        latest: dict[tuple, dict] = {}
        for row in rows:
            model = row["model"] if row["match"] == "exact" else row["model"].lower()
            key = (row["provider"], model, row["match"])
            newer = (row["applies_from"], -int(row["match_order"]))
            if key not in latest or newer > (
                latest[key]["applies_from"],
                -int(latest[key]["match_order"]),
            ):
                latest[key] = row  # the latest date; on one date, the first in match_order
        exact = {f"{p}:{m}": rates(row) for (p, m, kind), row in latest.items() if kind == "exact"}
        families = sorted(
            (int(row["match_order"]), m, p or None, rates(row))
            for (p, m, kind), row in latest.items()
            if kind == "family"
        )
        as_of = max(row["applies_from"] for row in rows)[:7]
        return cls(exact, [(m, p, price) for _, m, p, price in families], as_of)


REFERENCE_PRICES = Prices(
    EXACT_PRICES, [(match, None, price) for match, price in FAMILY_PRICES], PRICING_AS_OF
)


def price_of(
    provider: str, model: Any, prices: Prices = REFERENCE_PRICES
) -> tuple[float, float | None, float, float] | None:
    if not isinstance(model, str) or not model:
        return None
    exact = prices.exact.get(f"{provider}:{model}")
    if exact:
        return exact
    lowered = model.lower()
    return next(
        (
            price
            for match, only, price in prices.families
            if match in lowered and only in (None, provider)
        ),
        None,
    )


def cost(price, prefix: int, append: int, output: int, cache_write: int) -> tuple[float, float]:
    """(input cost, total cost) of a split at a price (rates per million tokens)."""
    input_rate, write_rate, read_rate, output_rate = (
        None if rate is None else rate / 1_000_000 for rate in price
    )
    write_rate = input_rate if write_rate is None else write_rate
    written = max(0, min(cache_write, append))
    input_cost = (append - written) * input_rate + written * write_rate
    return input_cost, input_cost + prefix * read_rate + output * output_rate


def nearest_pair_percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    lower = int(index)
    upper = min(lower + 1, len(ordered) - 1)
    if lower == upper:
        return ordered[lower]
    weight = index - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def counterfactual_summary(steps: list[dict], prices: Prices = REFERENCE_PRICES) -> str:
    header, rows = counterfactual_values(steps, prices)
    return to_csv([[cell_text(value) for value in row] for row in [header, *rows]])


def counterfactual_values(
    steps: list[dict], prices: Prices = REFERENCE_PRICES
) -> tuple[list[str], list[list[Any]]]:
    """The header and the typed values of the summary's rows (merged, claude, codex)."""
    last_seen: dict[str, tuple[int, int | None]] = {}
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for step in steps:
        provider = string(step.get("provider")) or "unknown"
        prefix = integer(step.get("prefix_tokens")) or 0
        append = integer(step.get("newly_append_tokens")) or 0
        output = integer(step.get("output_tokens")) or 0
        cache_write = min(integer(step.get("claude_cache_creation_input_tokens")) or 0, append)
        total = prefix + append
        event = first_event(step)
        times = activity(step)
        first = epoch_us(event.get("timestamp")) if event else None
        if first is None and times:
            first = min(times)
        last = max(times) if times else None
        session = step.get("session_id")
        has_predecessor = isinstance(session, str) and session in last_seen
        is_user = event is not None and event.get("event_type") == "user_message"
        gap = None
        new_append = append
        if is_user and has_predecessor:
            before_total, before_last = last_seen[session]
            if first is not None and before_last is not None and (first - before_last) / 1e6 >= 0:
                gap = (first - before_last) / 1e6
            new_append = min(append, max(0, total - before_total))
        new_prefix = total - new_append
        new_write = min(max(0, cache_write - max(0, append - new_append)), new_append)
        price = price_of(provider, step.get("model"), prices)
        for scope in ("merged", provider):
            data = totals[scope]
            data["rounds"] += 1
            data["append"] += append
            data["cf_append"] += new_append
            data["prefix"] += prefix
            data["cf_prefix"] += new_prefix
            data["output"] += output
            if is_user:
                data["user_rounds"] += 1
                if has_predecessor:
                    data["with_predecessor"] += 1
                    data["user_append"] += append
                    data["cf_user_append"] += new_append
                    if new_append > append:
                        data["increased"] += 1
            if price is None:
                data["unpriced"] += 1
            else:
                data["priced"] += 1
                observed = cost(price, prefix, append, output, cache_write)
                retained = cost(price, new_prefix, new_append, output, new_write)
                data["input_cost"] += observed[0]
                data["cf_input_cost"] += retained[0]
                data["total_cost"] += observed[1]
                data["cf_total_cost"] += retained[1]
            if is_user and has_predecessor and append > new_append:
                data["reduced"] += 1
                if price is not None and observed[1] - retained[1] > 0:
                    samples[scope]["saved"].append(observed[1] - retained[1])
                if gap is not None:
                    samples[scope]["gap"].append(gap)
        if isinstance(session, str):
            last_seen[session] = (total, last)

    header = [
        "scope", "rounds", "user_rounds", "user_rounds_with_predecessor", "user_rounds_reduced",
        "user_rounds_increased", "observed_append_tokens", "counterfactual_append_tokens",
        "append_reduction_tokens", "append_reduction_pct_of_all_append",
        "observed_user_append_tokens", "counterfactual_user_append_tokens",
        "user_append_reduction_tokens", "user_append_reduction_pct", "observed_prefix_tokens",
        "counterfactual_prefix_tokens", "output_tokens", "priced_rounds", "unpriced_rounds",
        "observed_input_cost_usd", "counterfactual_input_cost_usd", "input_cost_reduction_usd",
        "observed_total_cost_usd", "counterfactual_total_cost_usd", "total_cost_reduction_usd",
        "total_cost_reduction_pct", "cost_saved_per_reduced_step_samples",
        "cost_saved_per_reduced_step_avg_usd", "cost_saved_per_reduced_step_p50_usd",
        "cost_saved_per_reduced_step_p90_usd", "idle_gap_per_reduced_step_samples",
        "idle_gap_per_reduced_step_avg_seconds", "idle_gap_per_reduced_step_p50_seconds",
        "idle_gap_per_reduced_step_p90_seconds", "pricing_as_of",
    ]  # fmt: skip
    rows = []
    for scope in SCOPES:
        data = totals[scope]
        saved, gaps = samples[scope]["saved"], samples[scope]["gap"]
        observed_cost, retained_cost = float(data["total_cost"]), float(data["cf_total_cost"])
        rows.append(
            [
                scope, data["rounds"], data["user_rounds"], data["with_predecessor"],
                data["reduced"], data["increased"], data["append"], data["cf_append"],
                data["append"] - data["cf_append"],
                fraction(data["append"] - data["cf_append"], data["append"]),
                data["user_append"], data["cf_user_append"],
                data["user_append"] - data["cf_user_append"],
                fraction(data["user_append"] - data["cf_user_append"], data["user_append"]),
                data["prefix"], data["cf_prefix"], data["output"], data["priced"],
                data["unpriced"], float(data["input_cost"]), float(data["cf_input_cost"]),
                float(data["input_cost"]) - float(data["cf_input_cost"]), observed_cost,
                retained_cost, observed_cost - retained_cost,
                fraction(observed_cost - retained_cost, observed_cost),
                len(saved), sum(saved) / len(saved) if saved else None,
                nearest_pair_percentile(saved, 0.5), nearest_pair_percentile(saved, 0.9),
                len(gaps), sum(gaps) / len(gaps) if gaps else None,
                nearest_pair_percentile(gaps, 0.5), nearest_pair_percentile(gaps, 0.9),
                prices.as_of,
            ]
        )  # fmt: skip
    return header, rows


# ---------------------------------------------------------------- the thinking-time table

TABLE_LINES = (
    "User-initiated steps with predecessor", "Observed append tokens",
    "Append after retained cache", "Append-token reduction", "Observed total cost",
    "Cost after retained cache", "Total cost reduction", "Cost saved / reduced step avg",
)  # fmt: skip


def token_text(value: int, tex: bool) -> str:
    sign, size = ("-" if value < 0 else ""), abs(float(value))
    unit = "\\," if tex else ""
    if size >= 1e9:
        return f"{sign}{size / 1e9:.2f}{unit}B"
    if size >= 1e6:
        return f"{sign}{size / 1e6:.1f}{unit}M"
    if size >= 1e3:
        return f"{sign}{size / 1e3:.1f}{unit}K"
    return f"{sign}{size:.0f}"


def dollar_text(value: float, tex: bool) -> str:
    decimals = 0 if abs(value) >= 1000 else 1 if abs(value) >= 100 else 2
    return ("\\$" if tex else "$") + f"{value:,.{decimals}f}"


def small_dollar_text(value: float | None, tex: bool) -> str:
    if value is None:
        return "--"
    size = abs(value)
    decimals = 2 if size >= 1 else 3 if size >= 0.01 else 4 if size >= 0.001 else 6
    return ("\\$" if tex else "$") + f"{value:,.{decimals}f}"


def percent_text(value: float | None, tex: bool) -> str:
    return "--" if value is None else f"{value * 100:.1f}" + ("\\%" if tex else "%")


def counterfactual_table_lines(
    steps: list[dict], tex: bool, prices: Prices = REFERENCE_PRICES
) -> list[list[str]]:
    """The eight lines of the table: label, then the Claude, Codex and Total cells."""
    header, rows = counterfactual_values(steps, prices)
    by_scope = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    columns = [by_scope["claude"], by_scope["codex"], by_scope["merged"]]
    cells = (
        lambda c: f"{c['user_rounds_with_predecessor']:,}",
        lambda c: token_text(c["observed_append_tokens"], tex),
        lambda c: token_text(c["counterfactual_append_tokens"], tex),
        lambda c: (
            token_text(c["append_reduction_tokens"], tex)
            + f" ({percent_text(c['append_reduction_pct_of_all_append'], tex)})"
        ),
        lambda c: dollar_text(c["observed_total_cost_usd"], tex),
        lambda c: dollar_text(c["counterfactual_total_cost_usd"], tex),
        lambda c: (
            dollar_text(c["total_cost_reduction_usd"], tex)
            + f" ({percent_text(c['total_cost_reduction_pct'], tex)})"
        ),
        lambda c: small_dollar_text(c["cost_saved_per_reduced_step_avg_usd"], tex),
    )
    return [
        [label, *(cell(c) for c in columns)] for label, cell in zip(TABLE_LINES, cells, strict=True)
    ]


def counterfactual_markdown(steps: list[dict], prices: Prices = REFERENCE_PRICES) -> str:
    """The table's Markdown lines (the caption, our own words, is not the reference's)."""
    lines = ["| Metric | Claude | Codex | Total |", "| :-- | --: | --: | --: |"]
    lines += [
        "| " + " | ".join(line) + " |" for line in counterfactual_table_lines(steps, False, prices)
    ]
    return "\n".join(lines) + "\n"


def counterfactual_latex_rows(steps: list[dict], prices: Prices = REFERENCE_PRICES) -> str:
    """The LaTeX table's lines between its rules: the header and the eight lines."""
    lines = ["Metric & Claude & Codex & Total \\\\", "\\midrule"]
    lines += [
        " & ".join(line) + " \\\\" for line in counterfactual_table_lines(steps, True, prices)
    ]
    return "\n".join(lines) + "\n"


def fraction(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def outputs_for(paths: list[str]) -> dict[str, str]:
    steps = read_steps(paths)
    return {
        "cache_hit_idle_gap_summary.csv": idle_gap_summary(steps),
        "human_idle_cache_counterfactual_summary.csv": counterfactual_summary(steps),
    }


if __name__ == "__main__":
    import sys

    for name, text in outputs_for(sys.argv[1:]).items():
        Path(name).write_text(text, encoding="utf-8")
