"""The whole pipeline on generated traces, every output cell against tests/reference.py.

reference.py is an independent pure-Python implementation written from SPEC sections 3-4, not
from the SQL. Every cell must be identical, except mean_hit_ratio, which may differ in the last
bits because the two engines sum in different orders (1e-12 relative, as SPEC 3 allows).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import duckdb
import pytest

import reference
from atlas_testkit import PipelineRun, run_dbt, run_pipeline

MEAN_COLUMNS = {"mean_hit_ratio"}
TEXT_FILES = ("cache_hit_ratio_table.md", "prefix_cache_hit_rate_table.tex")
CSV_FILES = (
    "cache_hit_ratio_summary.csv",
    "cache_hit_ratio_bins.csv",
    "cache_hit_ratio_round_split.csv",
    "cache_hit_ratio_token_weighted.csv",
)


def assert_csv_matches(name: str, produced: str, expected: str) -> None:
    produced_rows = list(csv.reader(io.StringIO(produced)))
    expected_rows = list(csv.reader(io.StringIO(expected)))
    assert produced_rows[0] == expected_rows[0], f"{name}: header"
    assert len(produced_rows) == len(expected_rows), f"{name}: row count"
    header = expected_rows[0]
    for line, (got, want) in enumerate(
        zip(produced_rows[1:], expected_rows[1:], strict=True), start=2
    ):
        for column, got_cell, want_cell in zip(header, got, want, strict=True):
            where = f"{name} line {line} column {column} ({want[0]}/{want[1]})"
            if column in MEAN_COLUMNS and got_cell and want_cell:
                assert math.isclose(float(got_cell), float(want_cell), rel_tol=1e-12), where
            else:
                assert got_cell == want_cell, where
    # Apart from the means, the files are byte-identical (quoting, line ends, final newline).
    if not any(column in MEAN_COLUMNS for column in header):
        assert produced == expected, name


def assert_outputs_match_reference(run: PipelineRun, trace_files: list[Path]) -> None:
    expected = reference.compute_outputs(reference.read_steps([str(p) for p in trace_files]))
    for name in CSV_FILES:
        produced = (run.out / name).read_text(encoding="utf-8")
        assert_csv_matches(name, produced, expected[name])
    for name in TEXT_FILES:
        assert (run.out / name).read_text(encoding="utf-8") == expected[name], name


@pytest.fixture(scope="module")
def runs(traces: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, PipelineRun] = {}

    def run(kind: str) -> PipelineRun:
        if kind not in cache:
            files = traces[kind]
            pattern = str(files[0]) if len(files) == 1 else str(files[0].parent / "edge-*.jsonl.gz")
            cache[kind] = run_pipeline(
                pattern, tmp_path_factory.mktemp(kind), plots=kind == "normal"
            )
        return cache[kind]

    return run


@pytest.mark.parametrize("kind", ["normal", "edge", "edge_split_gz"])
def test_every_output_cell_equals_the_reference(kind, runs, traces):
    assert_outputs_match_reference(runs(kind), traces[kind])


def test_split_gz_trace_gives_the_single_file_outputs(runs):
    single, split = runs("edge"), runs("edge_split_gz")
    for name in (*CSV_FILES, *TEXT_FILES):
        single_text = (single.out / name).read_text()
        split_text = (split.out / name).read_text()
        if name == "cache_hit_ratio_summary.csv":
            assert_csv_matches(name, split_text, single_text)
        else:
            assert split_text == single_text, name


def test_build_ran_data_tests_and_unit_tests(runs):
    log = runs("edge").dbt_log
    assert "unit_test" in log or "::" in log
    assert "ERROR=0" in log and "PASS=" in log


def test_run_writes_both_figures_beside_the_tables(runs):
    out = runs("normal").out
    for name in ("cache_hit_ratio_histogram.png", "cache_hit_ratio_append_weighted_histogram.png"):
        assert (out / name).stat().st_size > 10_000, name


def test_step_id_follows_file_order_and_keeps_duplicates(runs, traces):
    files = traces["edge_split_gz"]
    steps = reference.read_steps([str(p) for p in files])
    with duckdb.connect(str(runs("edge_split_gz").database), read_only=True) as connection:
        rows = connection.execute(
            "select step_id, source_file, source_round_id, prefix_tokens, newly_append_tokens "
            "from stg_trace__steps order by step_id"
        ).fetchall()
    assert [row[0] for row in rows] == list(range(1, len(steps) + 1))
    assert [(row[2], row[3], row[4]) for row in rows] == [
        (s.get("round_id"), s.get("prefix_tokens"), s.get("newly_append_tokens")) for s in steps
    ]
    file_names = [Path(row[1]).name for row in rows]
    assert (file_names[0], file_names[-1]) == (files[0].name, files[-1].name)


def test_every_step_is_eligible_or_excluded_with_a_reason(runs, traces):
    steps = reference.read_steps([str(p) for p in traces["edge"]])
    with duckdb.connect(str(runs("edge").database), read_only=True) as connection:
        counted = dict(
            connection.execute(
                "select coalesce(exclusion_reason, 'eligible'), count(*) "
                "from int_steps_classified group by 1"
            ).fetchall()
        )
    assert sum(counted.values()) == len(steps)
    # The edge-case trace exercises every exclusion reason.
    assert set(counted) == {
        "eligible",
        "no_timing_events",
        "first_event_other_type",
        "null_token_field",
        "zero_total",
    }


def test_a_missing_trace_is_a_clear_error(tmp_path):
    result = run_dbt(["build"], str(tmp_path / "nope-*.jsonl"), tmp_path)
    assert result.returncode != 0
    assert "matches no file" in result.stdout
    assert "nope-*.jsonl" in result.stdout
