"""The whole pipeline on generated traces, every output file against tests/reference.py.

reference.py is an independent pure-Python implementation of the input checks and of SPEC
sections 3-4, written from the contract, not from the SQL. Every output file must be
byte-identical to the reference's -- the means too: both compute the documented mean from exact
integer slices, so no summation order shows.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest

import reference
from atlas_testkit import PipelineRun, run_dbt, run_pipeline

PLOTS = True
SPEC_FILES = (
    "cache_hit_ratio_summary.csv",
    "cache_hit_ratio_bins.csv",
    "cache_hit_ratio_round_split.csv",
    "cache_hit_ratio_token_weighted.csv",
    "cache_hit_ratio_table.md",
    "prefix_cache_hit_rate_table.tex",
)


def first_difference(name: str, produced: str, expected: str) -> str:
    """Where two CSV texts first differ, as line, column and the two cells."""
    got, want = list(csv.reader(io.StringIO(produced))), list(csv.reader(io.StringIO(expected)))
    for line, (got_row, want_row) in enumerate(zip(got, want, strict=False), start=1):
        if got_row != want_row:
            header = want[0]
            for column, (a, b) in enumerate(zip(got_row, want_row, strict=False)):
                if a != b:
                    label = header[column] if column < len(header) else column
                    return f"{name} line {line} column {label}: {a!r} != {b!r} (row {want_row[:3]})"
            return f"{name} line {line}: {got_row} != {want_row}"
    return f"{name}: {len(got)} lines != {len(want)} lines"


def assert_outputs_match_reference(run: PipelineRun, trace_files: list[Path]) -> None:
    """Every text output of the run is byte-identical to the reference's."""
    expected = reference.outputs_for([str(path) for path in trace_files])
    for name, text in expected.items():
        produced = (run.out / name).read_text(encoding="utf-8")
        assert produced == text, first_difference(name, produced, text)


@pytest.fixture(scope="module")
def runs(traces: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, PipelineRun] = {}

    def run(kind: str) -> PipelineRun:
        if kind not in cache:
            files = traces[kind]
            pattern = str(files[0]) if len(files) == 1 else str(files[0].parent / "edge-*.jsonl.gz")
            cache[kind] = run_pipeline(
                pattern, tmp_path_factory.mktemp(kind), plots=PLOTS and kind == "normal"
            )
        return cache[kind]

    return run


@pytest.mark.parametrize("kind", ["normal", "edge", "edge_split_gz"])
def test_every_output_file_equals_the_reference(kind, runs, traces):
    assert_outputs_match_reference(runs(kind), traces[kind])


def test_split_gz_trace_gives_the_single_file_outputs(runs):
    single, split = runs("edge"), runs("edge_split_gz")
    for name in SPEC_FILES:
        assert (split.out / name).read_text() == (single.out / name).read_text(), name


def test_build_ran_data_tests_and_unit_tests(runs):
    log = runs("edge").dbt_log
    assert "ERROR=0" in log and "PASS=" in log
    assert "unit_test" in log or "::" in log


def test_run_writes_both_figures_and_the_run_manifest(runs, traces):
    run = runs("normal")
    for name in ("cache_hit_ratio_histogram.png", "cache_hit_ratio_append_weighted_histogram.png"):
        assert (run.out / name).stat().st_size > 10_000, name
    manifest = json.loads((run.out / "run_manifest.json").read_text())
    trace = traces["normal"][0]
    import hashlib

    assert manifest["inputs"] == [
        {
            "path": str(trace),
            "size": trace.stat().st_size,
            "sha256": hashlib.sha256(trace.read_bytes()).hexdigest(),
        }
    ]
    audit = dict(
        (f"{row[0]}.{row[1]}", int(row[2]))
        for row in csv.reader(
            (run.out / "cache_hit_ratio_step_audit.csv").read_text().splitlines()[1:]
        )
    )
    assert manifest["rows"]["lines_read"] == audit["lines.lines_read"]
    assert manifest["rows"]["eligible_steps"] == audit["steps.eligible_steps"]
    assert manifest["engine"] == "duckdb"
    assert manifest["dbt_invocation_id"]
    assert manifest["dbt_version"].startswith("1.11")


def test_step_id_follows_file_order_and_keeps_duplicates(runs, traces):
    files = traces["edge_split_gz"]
    steps = reference.read_steps([str(p) for p in files])
    with duckdb.connect(str(runs("edge_split_gz").database), read_only=True) as connection:
        rows = connection.execute(
            "select step_id, source_file, source_round_id, prefix_tokens, newly_append_tokens, "
            "source_line_number from int_steps_unioned order by step_id"
        ).fetchall()
    ranks = {name: rank for rank, name in enumerate(sorted({row[1] for row in rows}), start=1)}
    # step_id = the file's rank (sorted names) * 2^32 + the line's number in its file
    assert [row[0] for row in rows] == [ranks[row[1]] * 2**32 + row[5] for row in rows]
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
    assert set(counted) == {
        "eligible",
        "no_timing_events",
        "first_event_other_type",
        "null_token_field",
        "zero_total",
    }


def test_a_missing_trace_fails_the_plain_dbt_build(tmp_path):
    result = run_dbt(["build"], str(tmp_path / "nope-*.jsonl"), tmp_path)
    assert result.returncode != 0
    assert "nope-*.jsonl" in result.stdout
