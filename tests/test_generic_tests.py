"""The project's generic data tests (macros/generic_tests/) find what they guard: each is run by
`dbt show` over a few rows written here, and the rows it returns (its failures) are counted.
A clean build only shows that a test passes; these cases show that it would fail."""

from __future__ import annotations

import json
from pathlib import Path

from atlas_testkit import run_dbt

VALUES = "(select * from (values (-1), (0), (1), (2), (null)) as t(v))"
KEYS = "(select * from (values (1, 'a'), (1, 'b'), (2, 'a'), (1, 'a'), (null, 'a')) as t(k, n))"
SMALL = "(select * from (values (1.0), (2.0)) as t(v))"
LARGE = "(select * from (values (1.0), (2.5)) as t(v))"

# (case, the test macro called with its arguments, failing rows expected)
CASES = [
    ("range inclusive", f"test_accepted_range({VALUES!r}, 'v', min_value=0, max_value=1)", 2),
    (
        "range exclusive",
        f"test_accepted_range({VALUES!r}, 'v', min_value=0, max_value=1, inclusive=false)",
        4,
    ),
    ("range minimum only", f"test_accepted_range({VALUES!r}, 'v', min_value=0)", 1),
    ("range maximum only", f"test_accepted_range({VALUES!r}, 'v', max_value=1)", 1),
    (
        "range where",
        f"test_accepted_range({VALUES!r}, 'v', min_value=0, max_value=1, where='v < 2')",
        1,
    ),
    ("expression", f"test_expression_is_true({VALUES!r}, 'v >= 1')", 3),
    ("expression on a column", f"test_expression_is_true({VALUES!r}, '>= 1', column_name='v')", 3),
    ("expression where", f"test_expression_is_true({VALUES!r}, 'v >= 1', where='v >= 0')", 1),
    ("fewer rows", f"test_equal_row_count({VALUES!r}, {KEYS!r}, where='v >= 0')", 1),
    ("more rows", f"test_equal_row_count({VALUES!r}, {KEYS!r}, compare_where='k = 1')", 1),
    (
        "row counts agree",
        f"test_equal_row_count({VALUES!r}, {KEYS!r}, where='v >= 0', compare_where='k = 1')",
        0,
    ),
    ("sums differ", f"test_sums_agree({SMALL!r}, 'v', {LARGE!r}, 'v')", 1),
    (
        "sums within a tolerance",
        f"test_sums_agree({SMALL!r}, 'v', {LARGE!r}, 'v', relative_tolerance=0.15)",
        0,
    ),
    (
        "sums past a tolerance",
        f"test_sums_agree({SMALL!r}, 'v', {LARGE!r}, 'v', relative_tolerance=0.1)",
        1,
    ),
    (
        "sums agree once filtered",
        f"test_sums_agree({SMALL!r}, 'v', {LARGE!r}, 'v', where='v < 2', compare_where='v < 2')",
        0,
    ),
    ("key repeated", f"test_unique_combination({KEYS!r}, ['k', 'n'])", 1),
    ("key repeated on one column", f"test_unique_combination({KEYS!r}, ['k'])", 1),
]


def test_each_generic_test_returns_the_rows_it_guards_against(tmp_path: Path):
    counted = " union all ".join(
        f"select {number} as case_number, count(*) as failures from ({{{{ {call} }}}}) as failing"
        for number, (_, call, _) in enumerate(CASES)
    )
    shown = run_dbt(
        ["show", "--output", "json", "--limit", "-1", "--inline", counted], "unused.jsonl", tmp_path
    )
    assert shown.returncode == 0, shown.stdout[-3000:]
    document = json.loads(shown.stdout[shown.stdout.index("{") : shown.stdout.rindex("}") + 1])
    got = {row["case_number"]: row["failures"] for row in document["show"]}
    expected = {number: failures for number, (_, _, failures) in enumerate(CASES)}
    differing = [CASES[n][0] for n in expected if got.get(n) != expected[n]]
    assert not differing, f"failing rows differ for: {differing} (got {got})"
