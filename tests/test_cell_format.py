"""The writer's cell formats at rounding ties, and every fact the atlas page states about the
populations, each from a row that decides it (no build needed)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from trace_atlas import page
from trace_atlas.outputs import format_cell


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
