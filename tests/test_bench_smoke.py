"""Smoke test of scripts/bench.py --quick: it runs end to end and writes well-formed CSV files.

No timing is asserted: the numbers depend on the machine. A quick run generates a 20,000-step
trace and runs the floor, the whole pipeline (figures included) and the start-up measurements
once, in a private folder (~20 s).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH = PROJECT_DIR / "scripts" / "bench.py"

SUMMARY_COLUMNS = [
    "size_steps",
    "trace_bytes",
    "repeats",
    "floor_s",
    "floor_query_s",
    "full_s",
    "full_over_floor",
    "startup_s",
    "python_import_s",
    "full_minus_startup_s",
    "peak_rss_floor_mib",
    "peak_rss_full_mib",
    "peak_rss_dbt_build_mib",
    "peak_rss_writer_mib",
    "peak_rss_figures_mib",
]
PHASES = [
    "dbt_startup",
    "seeds",
    "staging",
    "intermediate",
    "marts",
    "exports",
    "tests",
    "other",
    "dbt_between_nodes",
    "dbt_wrapup",
    "dbt_build",
    "writer",
    "figures",
    "full_run",
    "python_import",
    "dbt_parse",
    "floor",
    "floor_query",
]
# Phases every run spends measurable time in (seeds, staging, ... may be near zero).
TIMED_PHASES = ["dbt_startup", "dbt_build", "writer", "figures", "full_run", "dbt_parse", "floor"]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(BENCH), "--quick"]
    for option in ("data", "results", "work"):
        command += [f"--{option}-dir", str(folder / option)]
    run = subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, f"bench.py --quick failed:\n{run.stdout}\n{run.stderr[-4000:]}"
    assert "Targets" in run.stdout
    return folder / "results"


def test_summary_has_one_positive_row(quick_results: Path) -> None:
    columns, rows = read_csv(quick_results / "bench_summary.csv")
    assert columns == SUMMARY_COLUMNS
    assert len(rows) == 1
    assert int(rows[0]["size_steps"]) == 20_000
    for column in SUMMARY_COLUMNS:
        assert float(rows[0][column]) > 0, column


def test_phases_cover_every_phase(quick_results: Path) -> None:
    columns, rows = read_csv(quick_results / "bench_phases.csv")
    assert columns == ["size_steps", "phase", "median_s", "description"]
    assert [row["phase"] for row in rows] == PHASES
    seconds = {row["phase"]: float(row["median_s"]) for row in rows}
    assert all(value >= 0 for value in seconds.values()), seconds
    assert all(seconds[phase] > 0 for phase in TIMED_PHASES), seconds


def test_runs_and_targets_written(quick_results: Path) -> None:
    _, runs = read_csv(quick_results / "bench_runs.csv")
    assert len(runs) == 1
    assert float(runs[0]["full_rss_bytes"]) > 0
    columns, targets = read_csv(quick_results / "bench_targets.csv")
    assert columns == ["target", "measured", "threshold", "status"]
    assert len(targets) == 4
