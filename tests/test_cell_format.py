"""The writer's cell formats at rounding ties, and every fact the atlas page states about the
populations, each from a row that decides it (no build needed)."""

from __future__ import annotations

import json
import random
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from trace_atlas import page, provenance, run
from trace_atlas.outputs import format_cell

from atlas_testkit import PROJECT_DIR


def exact_half_even(value: float, decimals: int) -> str:
    """The exact binary value of the double, rounded half to even (docs/outputs.md)."""
    step = Decimal(1).scaleb(-decimals)
    return str(Decimal(value).quantize(step, rounding=ROUND_HALF_EVEN))


@pytest.mark.parametrize(
    "value,text",
    [
        (12.125, "12.12%"),  # an exact tie: to the even digit, down
        (12.375, "12.38%"),  # an exact tie: to the even digit, up
        (0.125, "0.12%"),
        (0.625, "0.62%"),
        (2.675, "2.67%"),  # the double is just below 2.675
        (0.005, "0.01%"),  # the double is just above 0.005
        (99.995, "100.00%"),
        (100.0, "100.00%"),
        (0.0, "0.00%"),
        (1e-9, "0.00%"),
        (33.33333333333333, "33.33%"),
    ],
)
def test_percent_cells_round_the_exact_value_half_to_even(value, text):
    assert format_cell(value, "percent") == text


@pytest.mark.parametrize(
    "rate,text",
    [
        (0.1225, "12.2%"),  # 12.25 exactly after x 100: a tie, to the even digit
        (0.1275, "12.8%"),
        (0.12125, "12.1%"),
        (0.9995, "100.0%"),
        (0.0005, "0.1%"),
        (1.0, "100.0%"),
        (0.0, "0.0%"),
    ],
)
def test_rate_cells_are_percent_with_one_decimal(rate, text):
    assert format_cell(rate, "rate") == text


def test_every_tie_on_a_grid_rounds_as_the_rule_says():
    """Every multiple of 1/8 (exact ties at two decimals) and many random shares."""
    values = [k / 8 for k in range(0, 801)]
    rng = random.Random(11)
    values += [rng.randrange(0, 10**6) / rng.choice([7, 8, 64, 1000, 3]) for _ in range(3000)]
    values = [v for v in values if v <= 100]
    for value in values:
        assert format_cell(value, "percent") == exact_half_even(value, 2) + "%", value
        assert format_cell(value / 100, "rate") == exact_half_even(value / 100 * 100, 1) + "%"


def test_undefined_cells():
    assert format_cell(None, "percent") == ""
    assert format_cell(None, "double") == ""
    assert format_cell(None, "integer") == ""
    assert format_cell(None, "rate") == "--"
    assert format_cell(None, "text") == ""


def test_doubles_and_integers_in_full():
    assert format_cell(0.30000000000000004, "double") == "0.30000000000000004"
    assert format_cell(1.0, "double") == "1.0"
    # a double column the engine hands back as a decimal or an integer is written as a double
    assert format_cell(Decimal("0.250"), "double") == "0.25"
    assert format_cell(3, "double") == "3.0"
    assert format_cell(2**63 - 1, "integer") == "9223372036854775807"
    assert format_cell(12.0, "integer") == "12"


def table(source: str, header: list[str], rows: list[list[str]]) -> dict:
    return {"source": source, "header": header, "rows": rows}


@pytest.fixture
def tables() -> dict[str, dict]:
    """Files whose every number differs, and rows of other groups that must not be quoted."""
    audit = table(
        "cache_hit_ratio_step_audit.csv",
        ["section", "item", "count"],
        [
            ["lines", "lines_read", "1000"],
            ["lines", "steps_ingested", "987"],
            ["excluded", "no_timing_events", "11"],
            ["steps", "eligible_steps", "901"],
            ["steps", "excluded_steps", "86"],
        ],
    )
    summary = table(
        "cache_hit_ratio_summary.csv",
        ["scope", "trigger", "rounds", "append_tokens"],
        [
            ["merged", "user", "300", "5"],
            ["merged", "all", "901", "6"],
            ["claude", "all", "500", "7"],
        ],
    )
    weighted = table(
        "cache_hit_ratio_token_weighted.csv",
        ["scope", "trigger", "rounds", "prefix_tokens"],
        [
            ["claude", "all", "510", "1"],
            ["merged", "all", "955", "2"],
            ["merged", "user", "320", "3"],
        ],
    )
    return {"audit": audit, "summary": summary, "token_weighted": weighted}


def test_every_population_fact_quotes_its_own_cell(tables):
    facts = page.population_facts(tables)
    assert [(fact["value"], fact["source"]) for fact in facts] == [
        ("987", "cache_hit_ratio_step_audit.csv: lines, steps_ingested, count"),
        ("901", "cache_hit_ratio_summary.csv: merged, all, rounds"),
        ("955", "cache_hit_ratio_token_weighted.csv: merged, all, rounds"),
        ("86", "cache_hit_ratio_step_audit.csv: steps, excluded_steps, count"),
    ]
    labels = [fact["label"] for fact in facts]
    assert labels[0].startswith("Steps ingested")
    assert labels[1].startswith("Eligible steps")
    assert labels[2].startswith("Gate-passing steps")
    assert labels[3].startswith("Ingested steps left out")


def test_a_fact_without_its_row_is_empty_not_another_rows_value(tables):
    tables["summary"]["rows"] = [r for r in tables["summary"]["rows"] if r[:2] != ["merged", "all"]]
    tables["audit"]["rows"] = [r for r in tables["audit"]["rows"] if r[1] != "excluded_steps"]
    values = [fact["value"] for fact in page.population_facts(tables)]
    assert values == ["987", "", "955", ""]


# ---------------------------------------------------------------- the page's numbers for reading


@pytest.mark.parametrize(
    "text,fmt,shown",
    [
        ("0.9832024707437985", "rate", "98.3%"),  # a percentile of hit ratios, in percent
        ("0.1225", "rate", "12.2%"),  # a tie: the writer's rate rule, to the even digit
        ("0.0", "rate", "0.0%"),
        ("1.0", "rate", "100.0%"),
        ("0.1", "rate", "10.0%"),  # the low-hit threshold
        ("2036.11", "seconds", "2,036.1"),
        ("0.958", "seconds", "1.0"),
        ("9.236077499999997", "usd", "$9.24"),
        ("1234.5", "usd", "$1,234.50"),
        ("0.0003510000000000041", "usd", "$0.000351"),
        ("0.04820752774566474", "usd", "$0.0482"),
        ("0.0", "usd", "$0.00"),
        ("7565318", None, "7,565,318"),  # a count, thousands separated
        ("-12", None, "-12"),
        ("300.0", None, "300.0"),  # not an integer: as written
        ("2.83%", None, "2.83%"),  # written as a percent already
        ("merged", None, "merged"),
        ("", "rate", ""),  # undefined stays empty
        ("", None, ""),
    ],
)
def test_reading_cells(text, fmt, shown):
    assert page.reading_cell(text, fmt) == shown


def test_reading_formats_of_the_page_tables():
    """Every hit-ratio statistic and rate in percent; seconds and dollars by their names in the
    thinking-time summary; percent cells and other columns as written."""
    summary = "cache_hit_ratio_summary.csv"
    for column in ("mean_hit_ratio", "p01", "p05", "p10", "p25", "median", "p75", "p90", "p99"):
        assert page.reading_format(summary, column) == "rate"
    assert page.reading_format(summary, "round_hit_lt_0_5_pct") is None  # already "2.83%"
    weighted = "cache_hit_ratio_token_weighted.csv"
    assert page.reading_format(weighted, "token_weighted_hit_rate") == "rate"
    gaps = "cache_hit_idle_gap_summary.csv"
    assert page.reading_format(gaps, "low_gap_p90_s") == "seconds"
    assert page.reading_format(gaps, "low_hit_threshold") == "rate"
    assert page.reading_format(gaps, "low_gt_idle_share") is None
    idle = "human_idle_cache_counterfactual_summary.csv"
    assert page.reading_format(idle, "total_cost_reduction_pct") == "rate"
    assert page.reading_format(idle, "append_reduction_pct_of_all_append") == "rate"
    assert page.reading_format(idle, "cost_saved_per_reduced_step_p90_usd") == "usd"
    assert page.reading_format(idle, "idle_gap_per_reduced_step_avg_seconds") == "seconds"
    assert page.reading_format(idle, "pricing_as_of") is None
    assert page.reading_format("usage_by_day.csv", "input_usd") is None


def test_read_csv_rounds_numbers_not_row_headers_and_keeps_rejected_text(tmp_path):
    (tmp_path / "cache_hit_ratio_summary.csv").write_text(
        "scope,trigger,rounds,p50\n1000,all,2898,0.98765\n", encoding="utf-8"
    )
    shown = page.read_csv(tmp_path / "cache_hit_ratio_summary.csv", 2)
    assert shown["rows"] == [["1000", "all", "2,898", "0.98765"]]  # p50 is no declared column
    assert shown["rounded"] is True
    (tmp_path / "rejected_lines.csv").write_text("file,line,excerpt\na,12345,67890\n")
    rejected = page.read_csv(tmp_path / "rejected_lines.csv", 2)
    assert rejected["rows"] == [["a", "12345", "67890"]] and rejected["rounded"] is False


# ---------------------------------------------------------------- the source a page names


def write_manifest(folder, paths, kind="trace"):
    manifest = {"input_kind": kind, "inputs": [{"path": str(p)} for p in paths]}
    (folder / "run_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_the_demo_trace_is_said_to_be_generated(tmp_path):
    write_manifest(tmp_path, [(PROJECT_DIR / provenance.DEMO_TRACE).resolve()])
    assert provenance.source_line(tmp_path) == (
        "Source: the demo trace data/default/trace.jsonl, generated by tools/generate_trace.py"
        " (not real logs)"
    )


def test_the_demo_path_is_the_one_make_run_generates():
    makefile = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    assert f"DEFAULT_TRACE := {provenance.DEMO_TRACE}\n" in makefile
    assert run.DEFAULT_TRACE == provenance.DEMO_TRACE


def test_source_names_the_input_and_the_days(tmp_path):
    write_manifest(tmp_path, ["/data/mine/trace.jsonl.gz"])
    days = "day,provider\n,claude\n2026-05-30,codex\n2026-05-31,claude\n2026-06-02,claude\n"
    (tmp_path / "cache_by_day.csv").write_text(days, encoding="utf-8")
    assert provenance.source_line(tmp_path) == (
        "Source: trace /data/mine/trace.jsonl.gz, steps dated 2026-05-30 to 2026-06-02 (UTC)"
    )
    write_manifest(
        tmp_path, ["/logs/.claude/projects/a/1.jsonl", "/logs/.codex/s/2.jsonl"], "agent_logs"
    )
    (tmp_path / "cache_by_day.csv").write_text("day,provider\n,claude\n", encoding="utf-8")
    assert provenance.source_line(tmp_path) == (
        "Source: agent logs, 2 files under /logs, no step has a time"
    )
    (tmp_path / "run_manifest.json").unlink()
    assert provenance.source_line(tmp_path).startswith("Source: not recorded")


def test_an_unreadable_run_manifest_is_no_source(tmp_path):
    for content in (b"{not json", b"\xff\xfe", b"[1, 2]"):
        (tmp_path / "run_manifest.json").write_bytes(content)
        assert provenance.source_line(tmp_path) == (
            "Source: not recorded (the folder's run_manifest.json could not be read)"
        )


def test_read_csv_gives_the_table_as_the_page_shows_it(tmp_path):
    """A declared column of its file in percent, counts separated; the first `limit` rows;
    numeric columns (right-aligned) told apart from text; a file the run did not write is an
    absent table, nothing rounded."""
    (tmp_path / "cache_hit_ratio_summary.csv").write_text(
        "scope,rounds,median,note\nmerged,2898,0.98765,a\nclaude,12,0.5,b\ncodex,7,0.25,c\n",
        encoding="utf-8",
    )
    shown = page.read_csv(tmp_path / "cache_hit_ratio_summary.csv", 1, limit=2)
    assert shown == {
        "source": "cache_hit_ratio_summary.csv",
        "present": True,
        "header": ["scope", "rounds", "median", "note"],
        "rows": [["merged", "2,898", "98.8%", "a"], ["claude", "12", "50.0%", "b"]],
        "row_headers": 1,
        "numeric": [False, True, True, False],
        "rounded": True,
    }
    assert len(page.read_csv(tmp_path / "cache_hit_ratio_summary.csv", 1)["rows"]) == 3
    missing = page.read_csv(tmp_path / "cache_hit_ratio_token_weighted.csv", 1)
    assert missing["present"] is False and missing["rounded"] is False
    assert missing["header"] == missing["rows"] == []
