"""The normalized export past any batch or buffer size: raw logs of 74,000 generated steps
(368,310 timing events, 101,172 tool calls), the run on them (as `make mine` builds), DuckDB's
copy of that build's normalized view (what `make normalize` writes, gzip), and the run on the
export (`make run TRACE=<file>`) give the same output files. Plus a refused Spark export and an
export that fails leaving no file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import duckdb
import pytest
from agent_log_kit import PROJECT_DIR, environment, generate, read_lines, run_pipeline
from trace_atlas import normalized

from atlas_testkit import run_pipeline as run_trace

STEPS = 74_000
AT_LEAST = 100_000
# The step audit's lines section counts the input's lines: raw log lines on one side,
# normalized lines on the other; every other row is the steps' own.
INPUT_LINES_SECTION = "lines"


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("scale")
    claude, codex = generate(folder / "logs", STEPS)
    logs_run = run_pipeline(folder / "logs_run", claude, codex / "sessions")
    assert logs_run.result.returncode == 0, logs_run.result.stderr[-3000:]
    exported = folder / "steps.jsonl.gz"
    count = normalized.write(logs_run.database, exported)
    trace_run = run_trace(str(exported), folder / "trace_run")
    return {"logs": logs_run, "trace": trace_run, "file": exported, "count": count}


def csv_rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_export_holds_every_step_event_and_tool_past_the_sizes(scale):
    steps = [json.loads(line) for line in read_lines(scale["file"])]
    events = sum(len(step["timing_events"]) for step in steps)
    tools = sum(len(step["tools"]) for step in steps)
    assert events >= AT_LEAST and tools >= AT_LEAST
    with duckdb.connect(str(scale["logs"].database), read_only=True) as connection:
        built = [
            connection.execute(f"select count(*) from {table}").fetchone()[0]
            for table in (
                "int_agent_log_steps_kept",
                "int_timing_events_unioned",
                "int_tool_calls_unioned",
            )
        ]
    assert [len(steps), events, tools] == built
    assert scale["count"] == len(steps)


def test_the_export_reads_back_to_the_same_outputs(scale):
    logs_out, trace_out = scale["logs"].out, scale["trace"].out
    kinds = (".csv", ".md", ".tex")
    names = sorted(path.name for path in trace_out.glob("*") if path.suffix in kinds)
    assert len([name for name in names if name.endswith(".csv")]) >= 8
    # the logs hold 1-hour writes and sub-agents' steps, so the bill's files depend on both
    day_rows = csv_rows(trace_out / "usage_by_day.csv")
    assert any(int(row["cache_write_1h_tokens"]) > 0 for row in day_rows)
    assert any(row["sessions"] == "subagent" for row in day_rows)
    for name in names:
        if name == "cache_hit_ratio_step_audit.csv":
            mine, again = csv_rows(logs_out / name), csv_rows(trace_out / name)
            assert [row for row in mine if row["section"] != INPUT_LINES_SECTION] == [
                row for row in again if row["section"] != INPUT_LINES_SECTION
            ]
        else:
            assert (trace_out / name).read_bytes() == (logs_out / name).read_bytes(), name


def test_normalize_on_spark_is_refused_in_one_line(tmp_path):
    command = [sys.executable, "-m", "trace_atlas", "normalize", "--engine", "spark"]
    command += ["--claude-logs", str(tmp_path), "--normalized", str(tmp_path / "steps.jsonl")]
    done = subprocess.run(
        command, cwd=PROJECT_DIR, env=environment(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: the normalized export is written by DuckDB only: leave ENGINE unset."
    )
    assert not (tmp_path / "steps.jsonl").exists()


def test_a_failed_export_leaves_no_file(tmp_path):
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    output = tmp_path / "out" / "steps.jsonl"
    with pytest.raises(normalized.ExportError, match="holds no agent_log_steps_normalized"):
        normalized.write(database, output)
    assert list((tmp_path / "out").iterdir()) == []
