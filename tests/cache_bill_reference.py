"""Independent plain-Python reference for the bill and the miss ledger.

Written from the rules of docs/method.md (the bill, the miss ledger, the lifetime what-if), never
from the project's SQL, and reading no project file: the price table and the cache lifetimes
below are typed in from the providers' published facts. It takes normalized steps (dicts, in
step order) and returns the text of cache_miss_ledger.csv, cache_cost_summary.csv,
cache_ttl_whatif.csv, usage_by_day.csv and cache_by_day.csv. Standard library only.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from idle_cost_reference import (
    EPOCH,
    cell_text,
    epoch_us,
    events_of,
    integer,
    read_steps,
    to_csv,
)

SCOPES = ("merged", "claude", "codex")
SESSION_KINDS = ("all", "main", "subagent")
CAUSES = ("context_rewritten", "model_switch", "cache_expired", "unexplained", "cold_start")
# Seconds a cached prefix lives: Anthropic 5 minutes by default, 1 hour on request; OpenAI 5 to
# 10 minutes idle: the lower end.
LIFETIMES = {("claude", "5m"): 300, ("claude", "1h"): 3600, ("codex", "default"): 300}
# USD per million tokens: input, 5-minute write, 1-hour write, cache read, output.
EXACT_PRICES = {
    "claude:claude-opus-4-8": (5.0, 6.25, 10.0, 0.5, 25.0),
    "claude:claude-opus-4-7": (5.0, 6.25, 10.0, 0.5, 25.0),
    "claude:claude-opus-4-6": (5.0, 6.25, 10.0, 0.5, 25.0),
    "claude:claude-sonnet-4-6": (3.0, 3.75, 6.0, 0.3, 15.0),
    "claude:claude-haiku-4-5": (1.0, 1.25, 2.0, 0.1, 5.0),
    "claude:claude-opus-4-1": (15.0, 18.75, 30.0, 1.5, 75.0),
    "claude:claude-sonnet-4-5": (3.0, 3.75, 6.0, 0.3, 15.0),
    "claude:claude-3-5-haiku": (0.8, 1.0, 1.6, 0.08, 4.0),
    "codex:gpt-5.5": (5.0, None, None, 0.5, 30.0),
    "codex:gpt-5.4": (2.5, None, None, 0.25, 15.0),
    "codex:gpt-5": (1.25, None, None, 0.125, 10.0),
    "codex:gpt-5-mini": (0.25, None, None, 0.025, 2.0),
    "codex:gpt-5-nano": (0.05, None, None, 0.005, 0.4),
}
FAMILY_PRICES = (
    ("opus", (5.0, 6.25, 10.0, 0.5, 25.0)),
    ("sonnet", (3.0, 3.75, 6.0, 0.3, 15.0)),
    ("haiku", (1.0, 1.25, 2.0, 0.1, 5.0)),
    ("gpt-5", (5.0, None, None, 0.5, 30.0)),
)


def count(value: Any) -> int | None:
    """A token count as the steps contract keeps it: a non-negative integer below 2**63."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def price_table(path: str | None) -> tuple[dict, list]:
    """(exact prices by provider:model, family prices in order as (match, provider or None,
    price)): the table above, or a user's price file (the newest row of a key applies)."""
    if path is None:
        return EXACT_PRICES, [(match, None, price) for match, price in FAMILY_PRICES]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    newest: dict[tuple, dict] = {}
    for row in rows:
        key = (row["provider"], row["model"], row["match"])
        newer = (row["applies_from"], -int(row["match_order"]))
        if key not in newest or newer > (
            newest[key]["applies_from"],
            -int(newest[key]["match_order"]),
        ):
            newest[key] = row  # the newest date; on one date, the first in match_order
    columns = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")

    def price(row: dict) -> tuple:
        values = (row[f"{column}_per_mtok"] for column in columns)
        return tuple(float(value) if value else None for value in values)

    exact = {f"{p}:{m}": price(row) for (p, m, kind), row in newest.items() if kind == "exact"}
    families = sorted(
        (int(row["match_order"]), m.lower(), p or None, price(row))
        for (p, m, kind), row in newest.items()
        if kind == "family"
    )
    return exact, [(match, provider, rates) for _, match, provider, rates in families]


def rates_of(
    provider: str, model: str | None, table: tuple[dict, list] | None = None
) -> tuple[float, ...] | None:
    """Per-token rates (input, read, 5-minute write, 1-hour write, output), or None."""
    if not model:
        return None
    exact, families = table or price_table(None)
    price = exact.get(f"{provider}:{model}")
    if price is None:
        name = model.lower()
        matches = (p for match, only, p in families if only in (None, provider) and match in name)
        price = next(matches, None)
    if price is None:
        return None
    entry, write_5m, write_1h, read, output = price
    write_5m = entry if write_5m is None else write_5m
    write_1h = write_5m if write_1h is None else write_1h
    return tuple(rate / 1_000_000 for rate in (entry, read, write_5m, write_1h, output))


@dataclass
class Step:
    order: int
    provider: str | None
    scope: str
    project: str | None
    session_id: str | None
    round_index: int | None
    round_id: str | None
    model: str | None
    is_subagent: bool
    prefix: int
    append: int
    output: int
    uncached: int
    write_5m: int
    write_1h: int
    rates: tuple[float, ...] | None
    first_activity: int | None
    request_at: int | None
    # the ledger
    position: int = 0
    reprefilled: int = 0
    cause: str | None = None
    gap: float | None = None
    ttl: int | None = None
    lost: float | None = None

    @property
    def total(self) -> int:
        return self.prefix + self.append

    @property
    def writes(self) -> int:
        return self.write_5m + self.write_1h

    def usd(self) -> tuple[float, float, float, float, float] | None:
        """Dollars of uncached input, cache read, 5-minute write, 1-hour write, output."""
        if self.rates is None:
            return None
        entry, read, write_5m, write_1h, output = self.rates
        return (
            self.uncached * entry,
            self.prefix * read,
            self.write_5m * write_5m,
            self.write_1h * write_1h,
            self.output * output,
        )

    def input_usd(self) -> float | None:
        usd = self.usd()
        return None if usd is None else usd[0] + usd[1] + usd[2] + usd[3]


def step_of(
    order: int, raw: dict, one_hour: int | None, table: tuple[dict, list] | None = None
) -> Step:
    provider = text(raw.get("provider"))
    prefix = count(raw.get("prefix_tokens")) or 0
    append = count(raw.get("newly_append_tokens")) or 0
    written = min(count(raw.get("claude_cache_creation_input_tokens")) or 0, append)
    # the 1-hour part: the logged count of raw logs, else a normalized line's own split key
    if one_hour is None:
        one_hour = raw.get("claude_cache_creation_1h_input_tokens")
    hour = min(count(one_hour) or 0, written)
    events = events_of(raw)
    times = [epoch_us(event.get("timestamp")) for event in events]
    timed = [t for t in times if t is not None]
    tools = raw.get("tools") if isinstance(raw.get("tools"), list) else []
    activity = timed + [
        t
        for tool in tools
        if isinstance(tool, dict)
        for t in (epoch_us(tool.get("emitted_at")), epoch_us(tool.get("result_at")))
        if t is not None
    ]
    inputs = [
        t
        for event, t in zip(events, times, strict=True)
        if t is not None and event.get("event_type") in ("user_message", "tool_result")
    ]
    first_timed = timed[0] if timed else None
    model = text(raw.get("model"))
    round_index = integer(raw.get("round_index"))
    return Step(
        order=order,
        provider=provider,
        scope=provider or "unknown",
        project=text(raw.get("project")),
        session_id=text(raw.get("session_id")),
        round_index=round_index,
        round_id=text(raw.get("round_id")),
        model=model,
        is_subagent=raw.get("is_subagent") is True,
        prefix=prefix,
        append=append,
        output=count(raw.get("output_tokens")) or 0,
        uncached=append - written,
        write_5m=written - hour,
        write_1h=hour,
        rates=rates_of(provider or "unknown", model, table),
        first_activity=first_timed if first_timed is not None else min(activity, default=None),
        request_at=max(inputs) if inputs else first_timed,
    )


def walk_sessions(steps: list[Step]) -> None:
    """Each session's steps in order; every step after the first against its predecessor."""
    sessions: dict[tuple[str, str], list[Step]] = defaultdict(list)
    for step in steps:
        if None not in (step.provider, step.session_id, step.round_index):
            sessions[(step.provider, step.session_id)].append(step)
    for members in sessions.values():
        members.sort(
            key=lambda s: (
                s.round_index,
                s.first_activity is not None,
                s.first_activity or 0,
                s.order,
            )
        )
        for position, step in enumerate(members, start=1):
            step.position = position
            if position == 1:
                continue
            before = members[position - 2]
            step.reprefilled = max(0, step.append - max(0, step.total - before.total))
            tier = (
                ("1h" if before.write_1h > 0 else "5m") if step.provider == "claude" else "default"
            )
            step.ttl = LIFETIMES.get((step.provider, tier))
            if step.request_at is not None and before.request_at is not None:
                step.gap = (step.request_at - before.request_at) / 1_000_000
            if step.reprefilled == 0:
                continue
            if step.total < before.total:
                step.cause = "context_rewritten"
            elif step.model != before.model:
                step.cause = "model_switch"
            elif step.gap is not None and step.ttl is not None and step.gap > step.ttl:
                step.cause = "cache_expired"
            else:
                step.cause = "unexplained"
            usd = step.usd()
            if usd is not None:
                paid = (usd[0] + usd[2] + usd[3]) / step.append
                step.lost = step.reprefilled * (paid - step.rates[1])


def utc_text(us: int | None, pattern: str) -> str:
    return "" if us is None else (EPOCH + timedelta(microseconds=us)).strftime(pattern)


def ledger(steps: list[Step]) -> str:
    header = "provider project session_id round_id model is_subagent request_at cause gap_seconds"
    rows = [[*header.split(), "ttl_seconds", "reprefilled_tokens", "dollars_lost"]]
    misses = sorted(
        (s for s in steps if s.reprefilled > 0),
        key=lambda s: (s.provider, s.session_id, s.position, s.order),
    )
    for s in misses:
        rows.append(
            [
                s.provider,
                s.project,
                s.session_id,
                s.round_id,
                s.model,
                "true" if s.is_subagent else "false",
                utc_text(s.request_at, "%Y-%m-%dT%H:%M:%S.%fZ"),
                s.cause,
                s.gap,
                s.ttl,
                s.reprefilled,
                s.lost,
            ]
        )
    return to_csv([[cell_text(value) for value in row] for row in rows])


def placements(step: Step) -> list[tuple[str, str]]:
    scopes = ["merged"] + ([step.scope] if step.scope in SCOPES[1:] else [])
    kinds = ["all", "subagent" if step.is_subagent else "main"]
    return [(scope, kind) for scope in scopes for kind in kinds]


BILL_COLUMNS = (
    "uncached_input_tokens", "cache_read_tokens", "cache_write_5m_tokens",
    "cache_write_1h_tokens", "output_tokens", "uncached_input_usd", "cache_read_usd",
    "cache_write_5m_usd", "cache_write_1h_usd", "input_usd", "output_usd",
)  # fmt: skip


def summary(steps: list[Step]) -> str:
    bills: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"steps": 0, "priced": 0, "tokens": [0] * 5, "usd": [0.0] * 6}
    )
    causes: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [0, 0, 0.0])
    for step in steps:
        cause = "cold_start" if step.position == 1 else step.cause
        usd = step.usd()
        for key in placements(step):
            bill = bills[key]
            bill["steps"] += 1
            tokens = (step.uncached, step.prefix, step.write_5m, step.write_1h, step.output)
            bill["tokens"] = [a + b for a, b in zip(bill["tokens"], tokens, strict=True)]
            if usd is not None:
                bill["priced"] += 1
                values = (*usd[:4], step.input_usd(), usd[4])
                bill["usd"] = [a + b for a, b in zip(bill["usd"], values, strict=True)]
            if cause is not None:
                tally = causes[(*key, cause)]
                tally[0] += 1
                tally[1] += step.reprefilled
                tally[2] += step.lost or 0.0
    header = ["scope", "sessions", "cause", "steps", "reprefilled_tokens", "dollars_lost"]
    header += ["share_of_input_usd", "scope_steps", "priced_steps", "unpriced_steps"]
    rows = [header + list(BILL_COLUMNS)]
    for scope in SCOPES:
        for kind in SESSION_KINDS:
            bill = bills.get((scope, kind), {"steps": 0, "priced": 0, "tokens": [0] * 5})
            usd = bill.get("usd", [0.0] * 6)
            for cause in CAUSES:
                steps_of, tokens, lost = causes.get((scope, kind, cause), [0, 0, 0.0])
                share = lost / usd[4] if usd[4] > 0 else None
                counts = [bill["steps"], bill["priced"], bill["steps"] - bill["priced"]]
                rows.append(
                    [
                        scope,
                        kind,
                        cause,
                        steps_of,
                        tokens,
                        lost,
                        share,
                        *counts,
                        *bill["tokens"],
                        *usd,
                    ]
                )
    return to_csv([[cell_text(value) for value in row] for row in rows])


def whatif(steps: list[Step]) -> str:
    sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, 0, 0.0, 0.0, 0.0, 0.0])
    for step in steps:
        usd = step.input_usd()
        if usd is None:
            continue
        replayed = (step.provider, "5m") in LIFETIMES and (step.provider, "1h") in LIFETIMES
        tier_costs = {}
        for tier, rate in (("5m", step.rates[2]), ("1h", step.rates[3])):
            if not replayed:
                tier_costs[tier] = usd
                continue
            lifetime = LIFETIMES[(step.provider, tier)]
            gap = step.gap
            expired_here = gap is not None and gap > lifetime
            expired_seen = gap is not None and step.ttl is not None and gap > step.ttl
            read_back = (
                step.reprefilled if step.cause == "cache_expired" and not expired_here else 0
            )
            written_again = (
                step.prefix if step.position > 1 and expired_here and not expired_seen else 0
            )
            from_writes = min(read_back, step.writes)
            tier_costs[tier] = (
                (step.uncached - (read_back - from_writes)) * step.rates[0]
                + (step.prefix + read_back - written_again) * step.rates[1]
                + (step.writes - from_writes + written_again) * rate
            )
        for key in placements(step):
            row = sums[key]
            row[0] += 1
            row[1] += 1 if replayed else 0
            row[2] += usd
            row[3] += tier_costs["5m"]
            row[4] += tier_costs["1h"]
            row[5] += tier_costs["1h"] - tier_costs["5m"]
    header = "scope sessions priced_steps replayed_steps observed_input_usd all_5m_input_usd"
    rows = [[*header.split(), "all_1h_input_usd", "cheaper_tier"]]
    for scope in SCOPES:
        for kind in SESSION_KINDS:
            priced, replayed, observed, five, hour, difference = sums.get(
                (scope, kind), [0, 0, 0.0, 0.0, 0.0, 0.0]
            )
            cheaper = "5m" if difference > 0 else "1h" if difference < 0 else "same"
            rows.append([scope, kind, priced, replayed, observed, five, hour, cheaper])
    return to_csv([[cell_text(value) for value in row] for row in rows])


def usage_by_day(steps: list[Step]) -> str:
    groups: dict[tuple[str, ...], list[Any]] = {}
    for step in steps:
        key = (
            utc_text(step.request_at, "%Y-%m-%d"),
            step.scope,
            step.project or "",
            step.model or "",
            "subagent" if step.is_subagent else "main",
        )
        row = groups.setdefault(key, [0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 0, 0.0])
        usd = step.usd()
        row[0] += 1
        row[1] += 0 if usd else 1
        tokens = (step.total, step.uncached, step.prefix, step.write_5m, step.write_1h, step.output)
        for index, value in enumerate(tokens, start=2):
            row[index] += value
        if usd:
            row[8] += step.input_usd()
            row[9] += usd[4]
        row[10] += step.reprefilled
        row[11] += step.lost or 0.0
    header = "day,provider,project,model,sessions,steps,unpriced_steps,input_tokens,"
    header += "uncached_input_tokens,cache_read_tokens,cache_write_5m_tokens,"
    header += "cache_write_1h_tokens,output_tokens,input_usd,output_usd,hit_rate,"
    header += "reprefilled_tokens,dollars_lost"
    rows = [header.split(",")]
    for key in sorted(groups):
        row = groups[key]
        hit_rate = row[4] / row[2] if row[2] > 0 else None
        rows.append([*key, *row[:10], hit_rate, row[10], row[11]])
    return to_csv([[cell_text(value) for value in row] for row in rows])


def cache_by_day(steps: list[Step]) -> str:
    """Per UTC day and provider, straight from the steps: the token-weighted hit rate of the
    token sums and the dollars lost."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for step in steps:
        key = (utc_text(step.request_at, "%Y-%m-%d"), step.scope)
        row = groups.setdefault(key, [0, 0, 0, 0, 0.0, 0.0])
        row[0] += 1
        row[1] += step.total
        row[2] += step.prefix
        row[3] += step.reprefilled
        row[4] += step.input_usd() if step.usd() else 0.0
        row[5] += step.lost or 0.0
    header = "day provider steps input_tokens cache_read_tokens hit_rate reprefilled_tokens"
    rows = [[*header.split(), "input_usd", "dollars_lost"]]
    for key in sorted(groups):
        steps_, total, prefix, reprefilled, usd, lost = groups[key]
        hit_rate = prefix / total if total > 0 else None
        rows.append([*key, steps_, total, prefix, hit_rate, reprefilled, usd, lost])
    return to_csv([[cell_text(value) for value in row] for row in rows])


def outputs_for_steps(
    raw_steps: list[dict], one_hour: list[int | None] | None = None, prices: str | None = None
) -> dict:
    """The four files of steps in step order; one_hour: each step's logged 1-hour write;
    prices: a user's price file instead of the table above."""
    hours = one_hour if one_hour is not None else [None] * len(raw_steps)
    table = price_table(prices)
    steps = [
        step_of(order, raw, hour, table)
        for order, (raw, hour) in enumerate(zip(raw_steps, hours, strict=True))
    ]
    walk_sessions(steps)
    return {
        "cache_miss_ledger.csv": ledger(steps),
        "cache_cost_summary.csv": summary(steps),
        "cache_ttl_whatif.csv": whatif(steps),
        "usage_by_day.csv": usage_by_day(steps),
        "cache_by_day.csv": cache_by_day(steps),
    }


def outputs_for(paths: list[str], prices: str | None = None) -> dict[str, str]:
    return outputs_for_steps(read_steps(paths), prices=prices)
