"""Self-tests of tests/reference.py: the oracle must itself be right before it judges the SQL."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# pytest (rootdir-less "prepend" import mode) puts tests/ on sys.path, so the oracle imports
# as a top-level module here and in the end-to-end tests.
import reference
from reference import bin_label, percentile_linear, read_steps
from reference import outputs_of_steps as compute_outputs

QUANTILE_VALUES = [q for _, q in reference.QUANTILES]


# ---------------------------------------------------------------------------
# percentile_linear
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000])
def test_percentile_matches_numpy_linear(n: int) -> None:
    rng = random.Random(20260601 + n)
    for _ in range(5):
        values = sorted(rng.random() for _ in range(n))
        for q in [*QUANTILE_VALUES, 0.0, 1.0, rng.random()]:
            expected = float(np.percentile(values, q * 100, method="linear"))
            assert percentile_linear(values, q) == pytest.approx(expected, rel=1e-12, abs=0)


def test_percentile_single_value_is_that_value() -> None:
    for q in [0.0, *QUANTILE_VALUES, 1.0]:
        assert percentile_linear([0.37], q) == 0.37


def test_percentile_two_values_median_is_midpoint() -> None:
    assert percentile_linear([0.25, 0.75], 0.5) == 0.5
    assert percentile_linear([0.0, 1.0], 0.5) == 0.5
    assert percentile_linear([2.0, 4.0], 0.25) == 2.5


def test_percentile_integer_index_returns_element_exactly() -> None:
    values = [0.1, 0.2, 0.3, 0.4, 0.7]  # n = 5: q = 0.25 -> i = 1.0, q = 0.5 -> i = 2.0
    assert percentile_linear(values, 0.0) == 0.1
    assert percentile_linear(values, 0.25) == 0.2
    assert percentile_linear(values, 0.5) == 0.3
    assert percentile_linear(values, 0.75) == 0.4
    assert percentile_linear(values, 1.0) == 0.7


def test_percentile_formula_evaluation_order_exact() -> None:
    values = [0.1, 0.3, 0.7]
    # i = 2 * 0.9 = 1.8: v[1]*(2 - 1.8) + v[2]*(1.8 - 1), literally in that order.
    i = 2 * 0.9
    assert percentile_linear(values, 0.9) == 0.3 * (2 - i) + 0.7 * (i - 1)
    # exact dyadic case: n = 3, q = 0.25 -> i = 0.5 -> midpoint of 0.5 and 0.75
    assert percentile_linear([0.5, 0.75, 1.0], 0.25) == 0.625


def test_percentile_empty_raises() -> None:
    with pytest.raises(ValueError):
        percentile_linear([], 0.5)


# ---------------------------------------------------------------------------
# Bins and buckets at their edges
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "label"),
    [
        (0.0, "0"),
        (1e-12, "(0,.01]"),
        (0.01, "(0,.01]"),
        (0.0100001, "(.01,.05]"),
        (0.05, "(.01,.05]"),
        (0.1, "(.05,.10]"),
        (0.5, "(.40,.60]"),
        (0.9, "(.80,.90]"),
        (0.99, "(.98,.99]"),
        (0.995, "(.99,.995]"),
        (0.9950001, "(.995,1]"),
        (1.0, "(.995,1]"),
    ],
)
def test_bin_edges(ratio: float, label: str) -> None:
    assert bin_label(ratio) == label


def test_bins_are_fourteen_in_edge_order() -> None:
    edges = [edge for _, edge in reference.BINS]
    assert len(edges) == 14
    assert edges == sorted(edges)


@pytest.mark.parametrize(
    ("ratio", "label"),
    [
        (0.0, "<10%"),
        (0.0999, "<10%"),
        (0.1, "10-40%"),
        (0.4, "40-80%"),
        (0.8, "80%+"),
        (1.0, "80%+"),
    ],
)
def test_round_split_edges(ratio: float, label: str) -> None:
    assert reference.round_split_label(ratio) == label


# ---------------------------------------------------------------------------
# A tiny hand-worked trace
# ---------------------------------------------------------------------------


def _step(provider: Any, prefix: Any, append: Any, events: Any = "absent") -> dict[str, Any]:
    step: dict[str, Any] = {"provider": provider, "prefix_tokens": prefix}
    if append is not None:
        step["newly_append_tokens"] = append
    if events != "absent":
        step["timing_events"] = events
    return step


def _ev(event_type: str) -> dict[str, Any]:
    return {"event_type": event_type, "timestamp": "2026-06-01T05:41:12.031Z", "source": "x"}


# Hit ratios are dyadic, so the means below are exact.
TINY_TRACE: list[dict[str, Any]] = [
    # 1 claude user, ratio 3/4
    _step("claude", 3, 1, [_ev("user_message"), _ev("text")]),
    # 2 claude tool_result, ratio 0
    _step("claude", 0, 50, [_ev("tool_result")]),
    # 3 claude tool_result, ratio 255/256 = 0.99609375
    _step("claude", 255, 1, [_ev("tool_result"), _ev("tool_call")]),
    # 4 codex, first event reasoning: not eligible, passes the gate
    _step("codex", 30, 70, [_ev("reasoning"), _ev("user_message")]),
    # 5 codex, null prefix: fails the gate
    _step("codex", None, 5, [_ev("user_message")]),
    # 6 null provider -> unknown, tool_result, ratio 1.0, append 0
    _step(None, 8, 0, [_ev("tool_result")]),
    # 7 codex, zero tokens: fails the gate
    _step("codex", 0, 0, [_ev("user_message")]),
    # 8 codex, empty timing_events: not eligible, passes the gate
    _step("codex", 40, 60, []),
    # 9 claude, timing_events absent: not eligible, passes the gate
    _step("claude", 5, 5),
    # 10 provider zeta, first event without event_type: not eligible, passes the gate
    _step("zeta", 10, 0, [{"timestamp": "2026-06-01T05:41:12.031Z"}]),
    # 11 codex, append key absent, timing_events null: fails the gate
    _step("codex", 7, None, None),
]

EXPECTED_GROUPS = [
    (scope, trigger)
    for scope in ("merged", "claude", "codex", "unknown", "zeta")
    for trigger in ("all", "user", "tool_result")
]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def tiny() -> dict[str, str]:
    return compute_outputs(TINY_TRACE)


def test_tiny_every_group_present_in_order(tiny: dict[str, str]) -> None:
    summary = _rows(tiny["cache_hit_ratio_summary.csv"])
    assert [(r["scope"], r["trigger"]) for r in summary] == EXPECTED_GROUPS
    weighted = _rows(tiny["cache_hit_ratio_token_weighted.csv"])
    assert [(r["scope"], r["trigger"]) for r in weighted] == EXPECTED_GROUPS
    bins = _rows(tiny["cache_hit_ratio_bins.csv"])
    assert len(bins) == 14 * len(EXPECTED_GROUPS)
    split = _rows(tiny["cache_hit_ratio_round_split.csv"])
    assert len(split) == 4 * len(EXPECTED_GROUPS)


def test_tiny_summary_header_and_format(tiny: dict[str, str]) -> None:
    text = tiny["cache_hit_ratio_summary.csv"]
    assert text.splitlines()[0] == ",".join(reference.SUMMARY_COLUMNS)
    assert text.endswith("\n") and not text.endswith("\n\n") and "\r" not in text


SUMMARY_EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    # ratios 0, 0.75, 0.99609375, 1.0; appends 50, 1, 1, 0
    ("merged", "all"): {
        "rounds": "4",
        "append_tokens": "52",
        "mean_hit_ratio": "0.6865234375",
        "round_hit_lt_0_5_pct": "25.00%",
        "round_hit_0_5_to_0_9_pct": "25.00%",
        "round_hit_gte_0_9_pct": "50.00%",
        "round_hit_gte_0_95_pct": "50.00%",
        "round_hit_gte_0_98_pct": "50.00%",
        "round_hit_gte_0_99_pct": "50.00%",
        "append_hit_lt_0_5_pct": "96.15%",
        "append_hit_0_5_to_0_9_pct": "1.92%",
        "append_hit_gte_0_9_pct": "1.92%",
    },
    ("merged", "user"): {
        "rounds": "1",
        "append_tokens": "1",
        "mean_hit_ratio": "0.75",
        "round_hit_lt_0_5_pct": "0.00%",
        "round_hit_0_5_to_0_9_pct": "100.00%",
        "round_hit_gte_0_9_pct": "0.00%",
        "round_hit_gte_0_99_pct": "0.00%",
        "append_hit_lt_0_5_pct": "0.00%",
        "append_hit_0_5_to_0_9_pct": "100.00%",
        "append_hit_gte_0_9_pct": "0.00%",
    },
    # ratios 0, 0.99609375, 1.0; appends 50, 1, 0
    ("merged", "tool_result"): {
        "rounds": "3",
        "append_tokens": "51",
        "round_hit_lt_0_5_pct": "33.33%",
        "round_hit_0_5_to_0_9_pct": "0.00%",
        "round_hit_gte_0_9_pct": "66.67%",
        "round_hit_gte_0_99_pct": "66.67%",
        "append_hit_lt_0_5_pct": "98.04%",
        "append_hit_0_5_to_0_9_pct": "0.00%",
        "append_hit_gte_0_9_pct": "1.96%",
    },
    # ratios 0, 0.75, 0.99609375 -> mean 1.74609375 / 3 = 0.58203125
    ("claude", "all"): {
        "rounds": "3",
        "append_tokens": "52",
        "mean_hit_ratio": "0.58203125",
        "median": "0.75",
        "round_hit_lt_0_5_pct": "33.33%",
        "round_hit_0_5_to_0_9_pct": "33.33%",
        "round_hit_gte_0_9_pct": "33.33%",
        "append_hit_lt_0_5_pct": "96.15%",
        "append_hit_gte_0_9_pct": "1.92%",
    },
    ("claude", "tool_result"): {
        "rounds": "2",
        "append_tokens": "51",
        "mean_hit_ratio": "0.498046875",
        "median": "0.498046875",
    },
    # a group whose steps append nothing: round shares defined, append shares empty
    ("unknown", "all"): {
        "rounds": "1",
        "append_tokens": "0",
        "mean_hit_ratio": "1.0",
        "median": "1.0",
        "round_hit_gte_0_99_pct": "100.00%",
        "round_hit_lt_0_5_pct": "0.00%",
        "append_hit_lt_0_5_pct": "",
        "append_hit_0_5_to_0_9_pct": "",
        "append_hit_gte_0_9_pct": "",
    },
}

EMPTY_GROUPS = [
    ("codex", "all"),
    ("codex", "user"),
    ("codex", "tool_result"),
    ("unknown", "user"),
    ("zeta", "all"),
    ("zeta", "user"),
    ("zeta", "tool_result"),
]


def test_tiny_summary_hand_worked_cells(tiny: dict[str, str]) -> None:
    summary = {(r["scope"], r["trigger"]): r for r in _rows(tiny["cache_hit_ratio_summary.csv"])}
    for group, expected in SUMMARY_EXPECTED.items():
        for column, value in expected.items():
            assert summary[group][column] == value, (group, column)
    assert summary[("unknown", "tool_result")] | {"trigger": "all"} == summary[("unknown", "all")]
    # v = [0, 0.99609375]: p01 at i = 0.01 interpolates, it is not the minimum
    p01 = float(summary[("claude", "tool_result")]["p01"])
    assert p01 == pytest.approx(0.0099609375, rel=1e-14)
    # mean of 0, 0.99609375, 1.0 is not dyadic
    mean = float(summary[("merged", "tool_result")]["mean_hit_ratio"])
    assert mean == pytest.approx(1.99609375 / 3, rel=1e-15)


def test_tiny_summary_empty_groups(tiny: dict[str, str]) -> None:
    summary = {(r["scope"], r["trigger"]): r for r in _rows(tiny["cache_hit_ratio_summary.csv"])}
    for group in EMPTY_GROUPS:
        row = summary[group]
        assert row["rounds"] == "0" and row["append_tokens"] == "0"
        assert all(row[c] == "" for c in reference.SUMMARY_COLUMNS[4:]), group


def test_tiny_summary_percentiles(tiny: dict[str, str]) -> None:
    summary = {(r["scope"], r["trigger"]): r for r in _rows(tiny["cache_hit_ratio_summary.csv"])}
    # v = [0, 0.75, 0.99609375, 1.0], i = 3q
    merged_all = {
        "p01": 0.0225,
        "p05": 0.1125,
        "p10": 0.225,
        "p25": 0.5625,
        "median": 0.873046875,
        "p75": 0.9970703125,
        "p90": 0.998828125,
        "p95": 0.9994140625,
        "p99": 0.9998828125,
    }
    # v = [0, 0.99609375, 1.0], i = 2q
    merged_tool = {
        "p01": 0.019921875,
        "p05": 0.099609375,
        "p10": 0.19921875,
        "p25": 0.498046875,
        "median": 0.99609375,
        "p75": 0.998046875,
        "p90": 0.99921875,
        "p95": 0.999609375,
        "p99": 0.999921875,
    }
    for group, expected in (
        (("merged", "all"), merged_all),
        (("merged", "tool_result"), merged_tool),
    ):
        for column, value in expected.items():
            assert float(summary[group][column]) == pytest.approx(value, rel=1e-14), column
    for name, _ in reference.QUANTILES:
        assert summary[("merged", "user")][name] == "0.75"
        assert summary[("unknown", "tool_result")][name] == "1.0"


def test_tiny_bins(tiny: dict[str, str]) -> None:
    rows = _rows(tiny["cache_hit_ratio_bins.csv"])
    by_key = {(r["scope"], r["trigger"], r["bin"]): r for r in rows}
    assert [r["bin"] for r in rows[:14]] == [label for label, _ in reference.BINS]
    nonzero = {
        ("merged", "all", "0"): ("1", "25.00%", "50", "96.15%"),
        ("merged", "all", "(.60,.80]"): ("1", "25.00%", "1", "1.92%"),
        ("merged", "all", "(.995,1]"): ("2", "50.00%", "1", "1.92%"),
        ("merged", "user", "(.60,.80]"): ("1", "100.00%", "1", "100.00%"),
        ("merged", "tool_result", "0"): ("1", "33.33%", "50", "98.04%"),
        ("merged", "tool_result", "(.995,1]"): ("2", "66.67%", "1", "1.96%"),
        ("claude", "tool_result", "0"): ("1", "50.00%", "50", "98.04%"),
        ("claude", "tool_result", "(.995,1]"): ("1", "50.00%", "1", "1.96%"),
        ("unknown", "all", "(.995,1]"): ("1", "100.00%", "0", ""),
    }
    for key, (rounds, round_share, appends, append_share) in nonzero.items():
        row = by_key[key]
        assert (row["rounds"], row["round_share"]) == (rounds, round_share), key
        assert (row["append_tokens"], row["append_token_share"]) == (appends, append_share), key
    # other bins of those groups are zero with a defined (0.00%) share
    assert by_key[("merged", "all", "(.99,.995]")]["round_share"] == "0.00%"
    assert by_key[("unknown", "all", "0")]["append_token_share"] == ""
    for scope, trigger in EMPTY_GROUPS:
        for label, _ in reference.BINS:
            row = by_key[(scope, trigger, label)]
            assert (row["rounds"], row["round_share"]) == ("0", "")
            assert (row["append_tokens"], row["append_token_share"]) == ("0", "")
    assert '"(0,.01]"' in tiny["cache_hit_ratio_bins.csv"]


def test_tiny_round_split(tiny: dict[str, str]) -> None:
    rows = _rows(tiny["cache_hit_ratio_round_split.csv"])
    merged_all = [(r["hit_ratio_bucket"], r["rounds"], r["round_share"]) for r in rows[:4]]
    assert merged_all == [
        ("<10%", "1", "25.00%"),
        ("10-40%", "0", "0.00%"),
        ("40-80%", "1", "25.00%"),
        ("80%+", "2", "50.00%"),
    ]
    codex_user = [r for r in rows if (r["scope"], r["trigger"]) == ("codex", "user")]
    assert [(r["rounds"], r["round_share"]) for r in codex_user] == [("0", "")] * 4


def test_tiny_token_weighted(tiny: dict[str, str]) -> None:
    rows = {
        (r["scope"], r["trigger"]): r for r in _rows(tiny["cache_hit_ratio_token_weighted.csv"])
    }
    # gate-passing steps: 1, 2, 3, 4, 6, 8, 9, 10
    expected = {
        ("merged", "all"): ("8", "351", "187", "538", 351 / 538),
        ("merged", "user"): ("1", "3", "1", "4", 0.75),
        ("merged", "tool_result"): ("3", "263", "51", "314", 263 / 314),
        ("claude", "all"): ("4", "263", "57", "320", 0.821875),
        ("claude", "user"): ("1", "3", "1", "4", 0.75),
        ("claude", "tool_result"): ("2", "255", "51", "306", 255 / 306),
        ("codex", "all"): ("2", "70", "130", "200", 0.35),
        ("codex", "user"): ("0", "0", "0", "0", None),
        ("codex", "tool_result"): ("0", "0", "0", "0", None),
        ("unknown", "all"): ("1", "8", "0", "8", 1.0),
        ("unknown", "user"): ("0", "0", "0", "0", None),
        ("unknown", "tool_result"): ("1", "8", "0", "8", 1.0),
        ("zeta", "all"): ("1", "10", "0", "10", 1.0),
        ("zeta", "user"): ("0", "0", "0", "0", None),
        ("zeta", "tool_result"): ("0", "0", "0", "0", None),
    }
    for group, (rounds, prefix, append, total, rate) in expected.items():
        row = rows[group]
        assert (row["rounds"], row["prefix_tokens"], row["append_tokens"]) == (
            rounds,
            prefix,
            append,
        ), group
        assert row["total_input_tokens"] == total, group
        assert row["token_weighted_hit_rate"] == ("" if rate is None else repr(rate)), group


def test_tiny_tables(tiny: dict[str, str]) -> None:
    assert tiny["cache_hit_ratio_table.md"] == (
        "| Metric | Claude | Codex | Total |\n"
        "|---|---:|---:|---:|\n"
        "| Prefix cache-hit rate | 82.2% | 35.0% | 65.2% |\n"
        "| Prefix hit rate (user-initiated) | 75.0% | -- | 75.0% |\n"
        "| Prefix hit rate (tool-result) | 83.3% | -- | 83.8% |\n"
        "\n" + reference.TABLE_CAPTION + "\n"
    )
    assert tiny["prefix_cache_hit_rate_table.tex"] == (
        "\\begin{table}[t]\n"
        "\\centering\n"
        "\\caption{Token-weighted prefix cache-hit rate by provider and step trigger.}\n"
        "\\label{tab:prefix-cache-hit-rate}\n"
        "\\begin{tabular}{lrrr}\n"
        "\\toprule\n"
        "Metric & Claude & Codex & Total \\\\\n"
        "\\midrule\n"
        "Prefix cache-hit rate & 82.2\\% & 35.0\\% & 65.2\\% \\\\\n"
        "Prefix hit rate (user-initiated) & 75.0\\% & -- & 75.0\\% \\\\\n"
        "Prefix hit rate (tool-result) & 83.3\\% & -- & 83.8\\% \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
        "\\end{table}\n"
    )


def test_empty_input_has_fixed_groups_only() -> None:
    outputs = compute_outputs([])
    summary = _rows(outputs["cache_hit_ratio_summary.csv"])
    assert [(r["scope"], r["trigger"]) for r in summary] == EXPECTED_GROUPS[:9]
    table = outputs["cache_hit_ratio_table.md"].split("\n\n")[0]
    assert len(table.splitlines()) == 5
    for line in table.splitlines()[2:]:
        assert line.endswith("| -- | -- | -- |")  # every cell undefined


def test_duplicates_are_kept() -> None:
    step = _step("claude", 3, 1, [_ev("user_message")])
    rows = _rows(compute_outputs([step, dict(step)])["cache_hit_ratio_summary.csv"])
    assert rows[0]["rounds"] == "2"


# ---------------------------------------------------------------------------
# read_steps and the CLI
# ---------------------------------------------------------------------------


def test_read_steps_order_gzip_blank_lines_duplicates(tmp_path: Path) -> None:
    a = {"provider": "claude", "round_index": 0}
    b = {"provider": "codex", "round_index": 1}
    (tmp_path / "b.jsonl").write_text(json.dumps(b) + "\n  \n" + json.dumps(b) + "\n")
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n" + json.dumps(a) + "\n\t\n" + json.dumps(a))
    paths = [str(tmp_path / "b.jsonl"), str(tmp_path / "a.jsonl.gz")]
    steps = read_steps(paths)
    assert [(s["provider"], s["round_index"]) for s in steps] == [
        (x["provider"], x["round_index"]) for x in (a, a, b, b)
    ]


def test_cli_writes_all_outputs(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(step) + "\n" for step in TINY_TRACE))
    out_dir = tmp_path / "out"
    assert reference.main([str(out_dir), str(trace)]) == 0
    expected = compute_outputs(TINY_TRACE)
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(reference.OUTPUT_NAMES)
    return
    for name, text in expected.items():
        assert (out_dir / name).read_bytes() == text.encode("utf-8")


# ---------------------------------------------------------------------------
# The line checks, the percent rounding and the mean
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason", "field"),
    [
        (b'{"prefix_tokens":1,"prefix_tokens":2}', "duplicate_key", "prefix_tokens"),
        (b'{"timing_events":{"a":1}}', "not_a_list", "timing_events"),
        (b'{"timing_events":[null]}', "event_not_an_object", "timing_events[0]"),
        (b'{"provider":["x"]}', "not_a_string", "provider"),
        (b'{"prefix_tokens":1e3}', "not_an_integer", "prefix_tokens"),
        (b'{"newly_append_tokens":-0.0}', "not_an_integer", "newly_append_tokens"),
        (b'{"a":NaN}', "not_json", None),
        (b"\xff", "not_utf8", None),
    ],
)
def test_check_line_reasons(raw: bytes, reason: str, field: str | None) -> None:
    checked = reference.check_line(reference.Line("t", 1, raw))
    assert (checked.reason, checked.bad_field) == (reason, field)


def test_check_line_keeps_warnings_and_nulls_the_value() -> None:
    raw = b'{"prefix_tokens":1,"newly_append_tokens":2,"output_tokens":true,"tools":5}'
    checked = reference.check_line(reference.Line("t", 1, raw))
    assert checked.reason is None
    assert checked.step["output_tokens"] is None
    assert [w[:2] for w in checked.warnings] == [
        ("not_an_integer", "output_tokens"),
        ("not_a_list", "tools"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.125, "0.12%"),
        (0.375, "0.38%"),
        (2.675, "2.67%"),
        (1.005, "1.00%"),
        (99.995, "100.00%"),
        (None, ""),
    ],
)
def test_percent_cells_round_the_exact_value_half_to_even(value: float | None, text: str) -> None:
    # 0.125 and 0.375 are exact ties; 2.675 and 1.005 are just below the tie in binary.
    assert reference.fmt_pct(value) == text


def test_mean_of_ratios_is_within_one_ulp_of_the_exact_mean() -> None:
    rng = random.Random(20261130)
    for _ in range(200):
        ratios = [
            rng.randrange(1, 2**40) / float(2**40 + rng.randrange(0, 2**30))
            for _ in range(rng.randrange(1, 500))
        ]
        exact = math.fsum(ratios) / len(ratios)
        assert abs(reference.mean_of_ratios(ratios) - exact) <= math.ulp(exact)
