"""Real-world input (issue: every bad line a clear answer, nothing silently lost).

Traces are written here line by line from generated good steps, with bad lines at known
places. Strict mode must stop at the first bad line and name its file, line, field and
problem; quarantine mode must set the line aside with its reason and compute every output from
the good lines alone (checked against tests/reference.py).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atlas_testkit import PROJECT_DIR, run_dbt, run_pipeline
from test_end_to_end import assert_outputs_match_reference

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
from generate_trace import generate_steps

GOOD_STEPS = [json.dumps(step, separators=(",", ":")) for step in generate_steps(400, seed=7)]

EVENT = '{"event_type":"tool_result","timestamp":"2026-06-01T05:41:12.031Z"}'
BASE = '"provider":"claude","newly_append_tokens":10'

# (name, bad line, reason, field, problem) — line placed at line 5 of the file in each case.
BAD_LINES = [
    (
        "not_json",
        '{"provider": "claude", "prefix_tokens": 1',
        "not_json",
        "",
        "the line is not valid JSON",
    ),
    ("json_array", "[1, 2, 3]", "not_an_object", "", "the line is JSON but not an object (array)"),
    (
        "json_string",
        '"just text"',
        "not_an_object",
        "",
        "the line is JSON but not an object (varchar)",
    ),
    (
        "token_string",
        "{" + BASE + ',"prefix_tokens":"123","timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "prefix_tokens",
        'expected a non-negative integer, got varchar "123"',
    ),
    (
        "token_float",
        "{" + BASE + ',"prefix_tokens":12.5,"timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "prefix_tokens",
        "expected a non-negative integer, got double 12.5",
    ),
    (
        "token_boolean",
        "{" + BASE + ',"prefix_tokens":true,"timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "prefix_tokens",
        "expected a non-negative integer, got boolean true",
    ),
    (
        "token_negative",
        "{" + BASE + ',"prefix_tokens":-5,"timing_events":[' + EVENT + "]}",
        "negative_integer",
        "prefix_tokens",
        "expected a non-negative integer, got -5",
    ),
    (
        "events_object",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":{"a":1}}',
        "not_a_list",
        "timing_events",
        "expected a list, got object",
    ),
    (
        "events_string",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":"user_message"}',
        "not_a_list",
        "timing_events",
        "expected a list, got varchar",
    ),
    (
        "tools_object",
        "{" + BASE + ',"prefix_tokens":5,"tools":{},"timing_events":[' + EVENT + "]}",
        "not_a_list",
        "tools",
        "expected a list, got object",
    ),
    (
        "event_not_object",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":[' + EVENT + ",7]}",
        "event_not_an_object",
        "timing_events[1]",
        "expected an object, got ubigint",
    ),
    (
        "bad_timestamp",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":['
        '{"event_type":"user_message","timestamp":"yesterday at noon"}]}',
        "bad_timestamp",
        "timing_events[0].timestamp",
        "timestamp does not parse: yesterday at noon",
    ),
]


def write_trace(path: Path, lines: list[str], newline: str = "\n", bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (("\ufeff" if bom else "") + newline.join(lines) + newline).encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def trace_with(bad_line: str) -> list[str]:
    """Good lines, a blank line at line 3 and the bad line at line 5."""
    return [GOOD_STEPS[0], GOOD_STEPS[1], "", GOOD_STEPS[2], bad_line, *GOOD_STEPS[3:40]]


@pytest.mark.parametrize(
    "name,bad_line,reason,field,problem", BAD_LINES, ids=[c[0] for c in BAD_LINES]
)
def test_strict_mode_names_file_line_field_and_problem(
    tmp_path, name, bad_line, reason, field, problem
):
    trace = write_trace(tmp_path / f"{name}.jsonl", trace_with(bad_line))
    result = run_dbt(["run", "--select", "base_trace__lines"], str(trace), tmp_path)
    assert result.returncode != 0
    where = f"{trace}, line 5" + (f": field {field}" if field else "")
    assert f"Bad trace line: {where}: {problem} [{reason}]" in result.stdout, result.stdout[-3000:]
    assert "ON_BAD_LINES=quarantine" in result.stdout


def test_quarantine_sets_every_bad_line_aside_and_counts_it(tmp_path):
    lines = [GOOD_STEPS[0], ""]
    expected_rejections = []
    for index, (_, bad_line, reason, field, _) in enumerate(BAD_LINES):
        if reason == "bad_timestamp":
            continue  # quarantine keeps such a line (see the next test)
        lines.append(GOOD_STEPS[10 + index])
        lines.append(bad_line)
        expected_rejections.append((len(lines), reason, field, bad_line[:200]))
    lines += GOOD_STEPS[100:200]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    run = run_pipeline(str(trace), tmp_path / "run", env={"TRACE_ATLAS_ON_BAD_LINES": "quarantine"})

    rejected = (run.out / "rejected_lines.csv").read_text().splitlines()
    assert rejected[0] == "file,line,reason,field,problem,line_excerpt"
    import csv

    rows = list(csv.reader(rejected[1:]))
    assert [(int(r[1]), r[2], r[3], r[5]) for r in rows] == expected_rejections
    assert all(r[0] == str(trace) for r in rows)

    audit = dict(
        (f"{s}.{i}", int(c))
        for s, i, c in csv.reader(
            (run.out / "cache_hit_ratio_step_audit.csv").read_text().splitlines()[1:]
        )
    )
    good = [line for line in lines if line and line not in {b[1] for b in BAD_LINES}]
    assert audit["lines.lines_read"] == len(lines)
    assert audit["lines.blank_lines"] == 1
    assert audit["lines.rejected_lines"] == len(expected_rejections)
    assert audit["lines.steps_ingested"] == len(good)
    assert audit["rejected.not_an_integer"] == 3
    assert audit["rejected.bad_timestamp"] == 0

    good_path = write_trace(tmp_path / "good" / "trace.jsonl", good)
    assert_outputs_match_reference(run, [good_path])


def test_quarantine_keeps_a_line_with_a_bad_timestamp_and_counts_a_warning(tmp_path):
    bad_timestamp = next(c[1] for c in BAD_LINES if c[2] == "bad_timestamp")
    mismatch = json.loads(GOOD_STEPS[5])
    mismatch["input_tokens_total"] = (mismatch.get("input_tokens_total") or 0) + 1
    lines = [*GOOD_STEPS[:50], bad_timestamp, json.dumps(mismatch), *GOOD_STEPS[60:80]]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    run = run_pipeline(str(trace), tmp_path / "run", env={"TRACE_ATLAS_ON_BAD_LINES": "quarantine"})
    audit = (run.out / "cache_hit_ratio_step_audit.csv").read_text()
    assert "lines,rejected_lines,0\n" in audit
    assert "warnings,unparseable_timestamps,1\n" in audit
    assert "warnings,input_tokens_total_mismatch,1\n" in audit
    assert_outputs_match_reference(run, [trace])


def test_crlf_bom_blank_lines_and_gzip_are_read_as_plain_lines(tmp_path):
    lines = [GOOD_STEPS[0], "", "   ", *GOOD_STEPS[1:30], ""]
    crlf = write_trace(tmp_path / "in" / "a.jsonl", lines, newline="\r\n", bom=True)
    gz = write_trace(tmp_path / "in" / "b.jsonl.gz", GOOD_STEPS[30:60])
    run = run_pipeline(f"{tmp_path}/in/*", tmp_path / "run")
    assert_outputs_match_reference(run, [crlf, gz])
    audit = (run.out / "cache_hit_ratio_step_audit.csv").read_text()
    assert f"lines,lines_read,{len(lines) + 30}\n" in audit
    assert "lines,blank_lines,3\n" in audit


@pytest.mark.parametrize("mode", ["strict", "quarantine"])
def test_empty_missing_and_truncated_inputs_are_errors_in_both_modes(tmp_path, mode):
    env = {"TRACE_ATLAS_ON_BAD_LINES": mode}
    empty = write_trace(tmp_path / "empty.jsonl", [])
    empty.write_bytes(b"")
    result = run_dbt(["run", "--select", "base_trace__lines"], str(empty), tmp_path, env=env)
    assert result.returncode != 0 and f"Trace file {empty} is empty" in result.stdout

    missing = tmp_path / "missing.jsonl"
    result = run_dbt(["run", "--select", "base_trace__lines"], str(missing), tmp_path, env=env)
    assert result.returncode != 0 and f"'{missing}' matches no file" in result.stdout

    result = run_dbt(
        ["run", "--select", "base_trace__lines"], f"{tmp_path}/*.nothing", tmp_path, env=env
    )
    assert result.returncode != 0 and "matches no file" in result.stdout

    whole = gzip.compress(("\n".join(GOOD_STEPS) + "\n").encode(), mtime=0)
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    result = run_dbt(["run", "--select", "base_trace__lines"], str(truncated), tmp_path, env=env)
    assert result.returncode != 0
    assert "GZIP" in result.stdout and str(truncated) in result.stdout


def test_a_failed_run_leaves_the_previous_outputs_untouched(tmp_path):
    out = tmp_path / "out"
    good = write_trace(tmp_path / "good.jsonl", GOOD_STEPS[:100])
    runner = [sys.executable, str(PROJECT_DIR / "scripts" / "run_pipeline.py"), "--no-plots"]
    env = os.environ | {"TRACE_ATLAS_DB": str(tmp_path / "atlas.duckdb"), "DO_NOT_TRACK": "1"}
    target = ["--target-path", str(tmp_path / "target")]
    first = subprocess.run(
        [*runner, *target, "--trace", str(good), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    bad = write_trace(tmp_path / "bad.jsonl", trace_with(BAD_LINES[0][1]))
    second = subprocess.run(
        [*runner, *target, "--trace", str(bad), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert second.returncode == 1
    assert "no output was written" in second.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_second_run_on_the_same_database_fails_fast(tmp_path):
    trace = write_trace(tmp_path / "trace.jsonl", GOOD_STEPS * 5)
    database = tmp_path / "atlas.duckdb"
    env = os.environ | {"TRACE_ATLAS_DB": str(database), "DO_NOT_TRACK": "1"}
    runner = [
        sys.executable,
        str(PROJECT_DIR / "scripts" / "run_pipeline.py"),
        "--no-plots",
        "--trace",
        str(trace),
        "--target-path",
        str(tmp_path / "target"),
    ]
    first = subprocess.Popen(
        [*runner, "--out", str(tmp_path / "out1")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = database.with_name(database.name + ".run-lock")
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().startswith("pid")):
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.05)
    started = time.monotonic()
    second = subprocess.run(
        [*runner, "--out", str(tmp_path / "out2")], env=env, capture_output=True, text=True
    )
    assert time.monotonic() - started < 10
    assert second.returncode == 3
    assert f"another Trace Atlas run holds {database}" in second.stderr
    assert not (tmp_path / "out2").exists()
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert (tmp_path / "out1" / "cache_hit_ratio_summary.csv").exists()
