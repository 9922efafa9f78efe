"""Incremental ingestion: a run reads only new and changed trace files, replaces the
lines of changed ones and drops those of deleted ones; whatever the sequence of runs, every
output equals the reference's on the files as they are (or, with KEEP_HISTORY=1, as they were
when last read). One database, one sequence of runs, as a user's daily re-runs would go.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import reference
from atlas_testkit import generate_trace

RUNNER = [sys.executable, "-m", "trace_atlas", "run"]
pytestmark = pytest.mark.slow


class Runs:
    """The runner on one private database, target and output folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.out = root / "out"

    def run(self, pattern: str, env: dict[str, str] | None = None) -> str:
        environment = os.environ | {
            "TRACE_ATLAS_DB": str(self.root / "atlas.duckdb"),
            "DBT_LOG_PATH": str(self.root / "logs"),
            "DO_NOT_TRACK": "1",
        }
        for name in ("FULL_REFRESH", "KEEP_HISTORY", "TRACE_ATLAS_READER"):
            environment.pop(name, None)
        command = [*RUNNER, "--trace", pattern, "--out", str(self.out), "--no-plots"]
        command += ["--on-bad-lines", "quarantine", "--target-path", str(self.root / "target")]
        result = subprocess.run(
            command, env=environment | (env or {}), capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def assert_outputs(self, files: list[Path]) -> None:
        expected = reference.outputs_for([str(path) for path in sorted(files)])
        for name, text in expected.items():
            assert (self.out / name).read_text(encoding="utf-8") == text, name


def inputs_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.strip().startswith("inputs:"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("incremental")
    generate_trace(root / "trace" / "t.jsonl", 3000, "--edge-cases", "--files", "3")
    generate_trace(root / "extra.jsonl", 400, "--seed", "7")
    return root


def test_any_sequence_of_runs_gives_the_outputs_of_a_full_build(folder: Path) -> None:
    trace = folder / "trace"
    runs = Runs(folder / "runs")
    pattern = str(trace / "*.jsonl")
    first, second, third = sorted(trace.glob("t-*.jsonl"))

    assert "3 to read" in inputs_line(runs.run(pattern))
    runs.assert_outputs([first, second, third])

    again = runs.run(pattern)  # nothing new: no dbt build at all
    assert "up to date" in again and "dbt build (full log" not in again
    runs.assert_outputs([first, second, third])

    added = trace / "t-added.jsonl"
    shutil.copy(folder / "extra.jsonl", added)
    assert "1 to read, 3 unchanged" in inputs_line(runs.run(pattern))
    runs.assert_outputs([first, second, third, added])

    with open(second, "a", encoding="utf-8") as grown:  # a file grows, as a log does
        grown.writelines((folder / "extra.jsonl").read_text(encoding="utf-8").splitlines(True)[:50])
    assert "1 to read, 3 unchanged" in inputs_line(runs.run(pattern))
    runs.assert_outputs([first, second, third, added])

    # rewritten in place: same size, same modification time, other content
    stat = third.stat()
    lines = third.read_text(encoding="utf-8").splitlines(True)
    third.write_text("".join(reversed(lines)), encoding="utf-8")
    os.utime(third, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "1 to read, 3 unchanged" in inputs_line(runs.run(pattern))
    runs.assert_outputs([first, second, third, added])

    # a bad line and a blank one: the fast reader gives way to the exact one
    with open(added, "a", encoding="utf-8") as bad:
        bad.write('{"provider": "claude", "prefix_tokens": "12"}\n\n')
    stdout = runs.run(pattern)
    assert "1 to read, 3 unchanged" in inputs_line(stdout)
    assert "exact reader" in stdout
    runs.assert_outputs([first, second, third, added])

    first.unlink()
    assert "1 gone, dropped" in inputs_line(runs.run(pattern))
    runs.assert_outputs([second, third, added])

    assert "3 to read" in inputs_line(runs.run(pattern, {"FULL_REFRESH": "1"}))
    runs.assert_outputs([second, third, added])


def test_history_keeps_the_lines_of_deleted_files(folder: Path, tmp_path: Path) -> None:
    trace = tmp_path / "logs"
    trace.mkdir()
    kept = tmp_path / "kept"
    kept.mkdir()
    for path in sorted((folder / "trace").glob("t-0000*.jsonl"))[:2]:
        shutil.copy(path, trace / path.name)
    runs = Runs(tmp_path / "runs")
    pattern = str(trace / "*.jsonl")
    history = {"KEEP_HISTORY": "1"}
    runs.run(pattern, history)
    deleted = sorted(trace.glob("*.jsonl"))[0]
    shutil.copy(deleted, kept / deleted.name)
    deleted.unlink()
    stdout = runs.run(pattern, history)
    assert "1 no longer on disk, kept" in inputs_line(stdout)
    # the same outputs as when the deleted file was there (the reference reads its copy)
    expected = reference.outputs_for(sorted([str(kept / deleted.name), *map(str, trace.glob("*"))]))
    for name in ("cache_hit_ratio_summary.csv", "cache_hit_ratio_bins.csv"):
        assert (runs.out / name).read_text(encoding="utf-8") == expected[name], name
    # without history, the run follows the files on disk
    assert "1 gone, dropped" in inputs_line(runs.run(pattern))
    runs.assert_outputs(sorted(trace.glob("*.jsonl")))
