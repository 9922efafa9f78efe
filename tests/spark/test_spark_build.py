"""The Spark engine end to end: `dbt build --target spark` (every model, data test and unit
test) and the writer, with every output file byte-identical to the independent reference's --
and so to the DuckDB engine's -- on an edge-case trace split over gzip files, on a quarantine
trace with every kind of bad line, and through `make run ENGINE=spark`.

Each Spark build starts its own JVM (dbt-spark's session method) with a private warehouse and
metastore under the test's folder.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import idle_cost_reference
import reference
from atlas_testkit import generate_trace, run_dbt, run_pipeline
from test_bad_input import (
    GOOD_STEPS,
    PADDED_LINES,
    REJECTED,
    SURROGATE_LINES,
    WARNED,
    trace_with,
    write_trace,
)
from test_end_to_end import assert_outputs_match_reference
from test_idle_cost_reference import FILES as IDLE_FILES
from test_idle_cost_reference import assert_same_cells, assert_same_table

pytestmark = pytest.mark.usefixtures("spark_engine")


def split_gz(trace: Path, parts: int) -> list[Path]:
    """The trace's lines dealt into `parts` gzip files, in order."""
    lines = trace.read_bytes().splitlines(keepends=True)
    size = -(-len(lines) // parts)
    files = []
    for index in range(parts):
        path = trace.parent / f"part-{index:02d}.jsonl.gz"
        path.write_bytes(gzip.compress(b"".join(lines[index * size : (index + 1) * size]), mtime=0))
        files.append(path)
    return files


def assert_build_ran_every_test(log: str) -> None:
    assert "ERROR=0" in log and "SKIP=0" in log, log[-3000:]
    assert "unit_test" in log or "unit tests" in log, "the unit tests did not run"


def test_edge_cases_split_over_gzip_files_give_the_reference_outputs(tmp_path):
    trace = generate_trace(tmp_path / "edge.jsonl", 3000, "--edge-cases")
    files = split_gz(trace, 3)
    run = run_pipeline(str(tmp_path / "part-*.jsonl.gz"), tmp_path / "run", engine="spark")
    assert_build_ran_every_test(run.dbt_log)
    assert_outputs_match_reference(run, files)
    steps = idle_cost_reference.read_steps([str(path) for path in files])
    expected = idle_cost_reference.outputs_for([str(path) for path in files])
    for name in IDLE_FILES:  # the idle-gap and thinking-time tables, every cell
        assert_same_cells((run.out / name).read_text(encoding="utf-8"), expected[name], name)
    tables = ("human_idle_cache_counterfactual.md", "human_idle_cache_counterfactual.tex")
    built = {name: (run.out / name).read_text(encoding="utf-8") for name in tables}
    assert_same_table(built, steps)


def test_every_kind_of_bad_line_gives_the_reference_outputs_in_quarantine(tmp_path):
    lines: list[str | bytes] = [GOOD_STEPS[0], "", "\t"]
    for index, case in enumerate(REJECTED):
        lines += [GOOD_STEPS[10 + index], case[1]]
    lines += [case[1] for case in WARNED]
    lines += [*PADDED_LINES, *SURROGATE_LINES]
    lines += [b'{"provider":"cl\xffaude","prefix_tokens":1}', *GOOD_STEPS[100:160]]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    env = {"TRACE_ATLAS_ON_BAD_LINES": "quarantine"}
    run = run_pipeline(str(trace), tmp_path / "run", env=env, engine="spark")
    assert_outputs_match_reference(run, [trace])
    rejected = list(csv.reader((run.out / "rejected_lines.csv").read_text().splitlines()[1:]))
    assert len(rejected) == len(REJECTED) + 2
    warnings = (run.out / "line_warnings.csv").read_text().splitlines()
    assert len(warnings) == 1 + len(WARNED)


def test_strict_mode_stops_at_the_first_bad_line_with_the_same_message(tmp_path):
    _, bad_line, reason, field, problem = next(c for c in REJECTED if c[0] == "token_string")
    trace = write_trace(tmp_path / "bad.jsonl", trace_with(bad_line))
    result = run_dbt(
        ["build", "--select", "+stg_trace__lines"], str(trace), tmp_path, engine="spark"
    )
    assert result.returncode != 0
    expected = f"Bad trace line: {trace}, line 5: field {field}: {problem} [{reason}]"
    assert expected in result.stdout, result.stdout[-3000:]


def test_make_run_engine_spark_writes_the_outputs_figures_and_provenance(tmp_path):
    trace = generate_trace(tmp_path / "normal.jsonl", 2000)
    env = os.environ | {"TRACE_ATLAS_SPARK_DIR": str(tmp_path / "spark"), "DO_NOT_TRACK": "1"}
    command = [sys.executable, "-m", "trace_atlas", "run"]
    command += ["--engine", "spark", "--trace", str(trace), "--out", str(tmp_path / "out")]
    command += ["--target-path", str(tmp_path / "target")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "spark.run-lock").exists()
    for name in ("cache_hit_ratio_histogram.png", "cache_hit_ratio_append_weighted_histogram.png"):
        assert (tmp_path / "out" / name).stat().st_size > 10_000, name
    manifest = json.loads((tmp_path / "out" / "run_manifest.json").read_text())
    assert (manifest["engine"], manifest["adapter"]) == ("spark", "spark")
    expected = reference.outputs_for([str(trace)])
    for name, text in expected.items():
        assert (tmp_path / "out" / name).read_text() == text, name


def test_a_trace_database_is_a_clear_error_on_spark(tmp_path):
    database = tmp_path / "pool.duckdb"
    database.write_bytes(b"")
    command = [sys.executable, "-m", "trace_atlas", "run"]
    command += ["--engine", "spark", "--db", str(database), "--out", str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2
    assert "read by the DuckDB engine only" in result.stderr
    assert not (tmp_path / "out").exists()
