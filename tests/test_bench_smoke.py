"""Smoke test of tools/bench.py --quick: it runs end to end and writes well-formed CSV files.

No timing is asserted: the numbers depend on the machine. A quick run generates a 20,000-step
trace and its extra 1%, warms up, then runs the floor, the full run, the rerun and the add-1% run
once each, in a private folder (about a minute and a half). Small tests check how the bench reads
the runner's run_timings.json and dbt's run_results.json, and which targets apply.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import bench

PROJECT_DIR = bench.PROJECT_DIR
BENCH = PROJECT_DIR / "tools" / "bench.py"

SUMMARY_COLUMNS = [
    "size_steps",
    "trace_bytes",
    "extra_steps",
    "extra_bytes",
    "repeats",
    "floor_s",
    "floor_query_s",
    "full_s",
    "rerun_s",
    "add_1pct_s",
    "full_over_floor",
    "rerun_over_full",
    "add_1pct_over_full",
    "experiments_s",
    "experiments_over_rest",
    "peak_rss_floor_mib",
    "peak_rss_full_mib",
    "peak_rss_rerun_mib",
    "peak_rss_add_1pct_mib",
    "peak_rss_max_mib",
]
RUNS = ["floor", "full", "rerun", "add_1pct"]
# dbt's build split, reported for every runner run (run_results.json).
DBT_PHASES = [
    "dbt_startup",
    "seeds",
    "staging",
    "intermediate",
    "marts",
    "tests",
    "other",
    "dbt_between_nodes",
    "dbt_wrapup",
    "dbt_build",
    "dbt_experiments",
]
TARGETS = [
    "10x pool: full run / floor",
    "10x pool: peak RSS, highest runner run (MiB)",
    "1x pool: full run (s)",
    "1x pool: full run / floor",
    "10x pool: rerun / full run",
    "10x pool: add 1% / full run",
    "1x pool: experiments' dbt time / rest of the full run",
    "10x pool: experiments' dbt time / rest of the full run",
]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def number(text: str) -> float:
    value = float(text)
    assert math.isfinite(value), text
    return value


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(BENCH), "--quick"]
    for option in ("data", "results", "work"):
        command += [f"--{option}-dir", str(folder / option)]
    run = subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900, check=False
    )
    assert run.returncode == 0, f"bench.py --quick failed:\n{run.stdout}\n{run.stderr[-4000:]}"
    assert "Targets" in run.stdout
    return folder / "results"


def test_summary_has_one_row_of_numbers(quick_results: Path) -> None:
    columns, rows = read_csv(quick_results / "bench_summary.csv")
    assert columns == SUMMARY_COLUMNS
    assert len(rows) == 1
    assert int(rows[0]["size_steps"]) == 20_000
    assert int(rows[0]["extra_steps"]) == 200
    assert int(rows[0]["repeats"]) == 1
    for column in SUMMARY_COLUMNS:
        number(rows[0][column])


def test_runs_hold_every_run_of_the_repetition(quick_results: Path) -> None:
    columns, rows = read_csv(quick_results / "bench_runs.csv")
    assert columns == ["size_steps", "repetition", "run", "seconds", "peak_rss_bytes"]
    assert [row["run"] for row in rows] == RUNS
    for row in rows:
        number(row["seconds"])
        assert int(row["peak_rss_bytes"]) > 0, row


def test_phases_split_every_runner_run(quick_results: Path) -> None:
    columns, rows = read_csv(quick_results / "bench_phases.csv")
    assert columns == ["size_steps", "run", "source", "phase", "median_s", "description"]
    assert {row["run"] for row in rows} == set(RUNS)
    for row in rows:
        number(row["median_s"])
    assert [(row["source"], row["phase"]) for row in rows if row["run"] == "floor"] == [
        ("process", "wall"),
        ("duckdb", "query"),
    ]
    for run in ("full", "rerun", "add_1pct"):
        phases = [(row["source"], row["phase"]) for row in rows if row["run"] == run]
        assert phases[0] == ("process", "wall"), run
        assert {source for source, _ in phases} <= {"process", "runner", "dbt"}, run
        # The runner's own phases (if it wrote run_timings.json) come before dbt's split, which
        # a full run always has; an incremental run may leave dbt out or run no node.
        split = [phase for source, phase in phases if source == "dbt"]
        assert phases[1 : len(phases) - len(split)] == [p for p in phases if p[0] == "runner"]
        if run == "full":
            assert split == DBT_PHASES
        else:
            assert split in ([], ["dbt_build"], DBT_PHASES), (run, split)


def test_targets_not_measured_at_the_quick_size(quick_results: Path) -> None:
    columns, rows = read_csv(quick_results / "bench_targets.csv")
    assert columns == ["target", "measured", "threshold", "status"]
    assert [row["target"] for row in rows] == TARGETS
    for row in rows:
        number(row["threshold"])
        assert row["status"] == "not measured" and row["measured"] == "", row


def test_runner_timings_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "run_timings.json"
    path.write_text('{"plan": 0.2, "dbt": 4, "note": "x", "figures": 1.5, "total": 5.7}')
    assert list(bench.runner_timings(path).items()) == [
        ("plan", 0.2),
        ("dbt", 4.0),
        ("figures", 1.5),
        ("total", 5.7),
    ]
    path.write_text("not json")
    assert bench.runner_timings(path) == {}


def test_dbt_split_adds_up(tmp_path: Path) -> None:
    """Two nodes overlapping share their common second; the rows sum to the invocation."""

    def node(unique_id: str, start: str, end: str) -> dict:
        timing = [
            {"started_at": f"2026-01-01T00:00:{start}Z", "completed_at": f"2026-01-01T00:00:{end}Z"}
        ]
        return {"unique_id": unique_id, "timing": timing}

    path = tmp_path / "run_results.json"
    metadata = {
        "invocation_started_at": "2026-01-01T00:00:00Z",
        "generated_at": "2026-01-01T00:00:10Z",
    }
    results = [
        node("seed.trace_atlas.bins", "02", "03"),
        node("model.trace_atlas.stg_trace__steps", "03", "05"),
        node("test.trace_atlas.not_null_x", "04", "06"),
        node("model.trace_atlas.cache_hit_ratio_bins", "07", "09"),
    ]
    path.write_text(json.dumps({"metadata": metadata, "results": results}))
    split = bench.dbt_phases(path)
    assert list(split) == DBT_PHASES
    assert split["dbt_startup"] == 2 and split["dbt_wrapup"] == 1
    assert split["staging"] == 1.5 and split["tests"] == 1.5 and split["marts"] == 2
    assert split["dbt_between_nodes"] == 1 and split["dbt_build"] == 10
    assert split["dbt_experiments"] == 0  # no manifest beside run_results.json: no experiments
    parts = sum(split.values()) - split["dbt_build"] - split["dbt_experiments"]
    assert math.isclose(parts, split["dbt_build"])


def test_targets_apply_to_the_sizes_measured() -> None:
    pool = {"full_s": 5.0, "full_over_floor": 13.0}
    big = {
        "full_over_floor": 5.0,
        "peak_rss_max_mib": 3000.0,
        "rerun_over_full": 0.1,
        "add_1pct_over_full": 0.4,
    }
    statuses = [row["status"] for row in bench.target_rows({bench.POOL_STEPS: pool})]
    assert statuses == ["not measured", "not measured", "PASS", "MISS"] + ["not measured"] * 4
    statuses = [row["status"] for row in bench.target_rows({bench.BIG_STEPS: big})]
    assert (
        statuses
        == ["PASS", "MISS", "not measured", "not measured", "PASS", "MISS"] + ["not measured"] * 2
    )


def test_help_names_the_disk_space() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--help"], capture_output=True, text=True, check=True
    )
    assert "about 7 GB under bench/" in " ".join(run.stdout.split())
