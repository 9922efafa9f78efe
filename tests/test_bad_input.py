"""Real-world input: every bad line a clear answer, nothing silently lost, nothing stopped for
what changes no number.

Traces are written here line by line from generated good steps, with bad lines at known places.
Strict mode must stop at the first rejected line and name its file, line, field and problem;
quarantine mode must set it aside with its reason; a bad value that no output reads is a warning
in both modes. In every case the outputs are compared with tests/reference.py, which implements
the same checks independently.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cache_bill_reference as bill_reference
import idle_cost_reference as idle_reference
import reference
import test_idle_cost_reference as idle_tests
from atlas_testkit import PROJECT_DIR, run_dbt, run_pipeline
from test_end_to_end import assert_outputs_match_reference
from test_idle_cost_reference import assert_same_cells

sys.path.insert(0, str(PROJECT_DIR / "tools"))
from generate_trace import generate_steps

GOOD_STEPS = [json.dumps(step, separators=(",", ":")) for step in generate_steps(400, seed=7)]

EVENT = '{"event_type":"tool_result","timestamp":"2026-06-01T05:41:12.031Z"}'
BASE = '"provider":"claude","newly_append_tokens":10'
RUNNER = [sys.executable, "-m", "trace_atlas", "run", "--no-plots"]

# (name, bad line, reason, field, problem): each rejected in both modes.
REJECTED = [
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
        "the line is JSON but not an object (string)",
    ),
    (
        "repeated_key",
        "{" + BASE + ',"prefix_tokens":5,"prefix_tokens":7,"timing_events":[' + EVENT + "]}",
        "duplicate_key",
        "prefix_tokens",
        "the key prefix_tokens appears more than once",
    ),
    (
        "repeated_key_escaped",
        "{" + BASE + ',"prefix_tokens":5,"\\u0070refix_tokens":7,"timing_events":[' + EVENT + "]}",
        "duplicate_key",
        "prefix_tokens",
        "the key prefix_tokens appears more than once",
    ),
    (
        "repeated_event_type",
        "{"
        + BASE
        + ',"prefix_tokens":5,"timing_events":'
        + '[{"event_type":"user_message","event_type":"tool_result"}]}',
        "duplicate_key",
        "timing_events[0].event_type",
        "the key timing_events[0].event_type appears more than once",
    ),
    (
        "token_string",
        "{" + BASE + ',"prefix_tokens":"123","timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "prefix_tokens",
        'expected a non-negative integer, got string "123"',
    ),
    (
        "token_float",
        "{" + BASE + ',"prefix_tokens":12.5,"timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "prefix_tokens",
        "expected a non-negative integer, got number 12.5",
    ),
    (
        "token_exponent",
        "{" + BASE + ',"prefix_tokens": 2.50E+3,"timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "prefix_tokens",
        "expected a non-negative integer, got number 2.50E+3",
    ),
    (
        "token_long_fraction",
        "{"
        + BASE
        + ',"prefix_tokens":0.1000000000000000055511151231257827,"timing_events":['
        + EVENT
        + "]}",
        "not_an_integer",
        "prefix_tokens",
        "expected a non-negative integer, got number 0.1000000000000000055511151231257827",
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
        "token_too_large",
        "{" + BASE + ',"prefix_tokens":9223372036854775808,"timing_events":[' + EVENT + "]}",
        "integer_out_of_range",
        "prefix_tokens",
        "integer 9223372036854775808 exceeds the 64-bit range",
    ),
    (
        "provider_number",
        '{"provider":5,"prefix_tokens":5,"newly_append_tokens":1,"timing_events":[' + EVENT + "]}",
        "not_a_string",
        "provider",
        "expected a string, got integer 5",
    ),
    (
        "provider_exponent",
        '{"provider":1e21,"prefix_tokens":5,"newly_append_tokens":1,"timing_events":['
        + EVENT
        + "]}",
        "not_a_string",
        "provider",
        "expected a string, got number 1e21",
    ),
    (
        "subagent_string",
        "{" + BASE + ',"prefix_tokens":5,"is_subagent":"yes","timing_events":[' + EVENT + "]}",
        "not_a_boolean",
        "is_subagent",
        'expected a boolean, got string "yes"',
    ),
    (
        "split_negative",
        "{" + BASE + ',"prefix_tokens":5,"claude_cache_creation_input_tokens":10,'
        '"claude_cache_creation_5m_input_tokens":-2,"claude_cache_creation_1h_input_tokens":12,'
        '"timing_events":[' + EVENT + "]}",
        "negative_integer",
        "claude_cache_creation_5m_input_tokens",
        "expected a non-negative integer, got -2",
    ),
    (
        "split_not_adding_up",
        "{" + BASE + ',"prefix_tokens":5,"claude_cache_creation_input_tokens":10,'
        '"claude_cache_creation_5m_input_tokens":4,"claude_cache_creation_1h_input_tokens":5,'
        '"timing_events":[' + EVENT + "]}",
        "cache_write_split_mismatch",
        "claude_cache_creation_input_tokens",
        "claude_cache_creation_5m_input_tokens 4 + claude_cache_creation_1h_input_tokens 5"
        " <> claude_cache_creation_input_tokens 10",
    ),
    (
        "split_in_part",
        "{" + BASE + ',"prefix_tokens":5,"claude_cache_creation_input_tokens":10,'
        '"claude_cache_creation_1h_input_tokens":10,"timing_events":[' + EVENT + "]}",
        "cache_write_split_mismatch",
        "claude_cache_creation_input_tokens",
        "claude_cache_creation_5m_input_tokens null + claude_cache_creation_1h_input_tokens 10"
        " <> claude_cache_creation_input_tokens 10",
    ),
    (
        "events_object",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":{"a":1}}',
        "not_a_list",
        "timing_events",
        "expected a list, got object",
    ),
    (
        "first_event_not_object",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":[7,' + EVENT + "]}",
        "event_not_an_object",
        "timing_events[0]",
        "expected an object, got integer",
    ),
]

# (name, line, warning, field): kept in both modes, listed in line_warnings.csv.
WARNED = [
    (
        "bad_timestamp",
        "{"
        + BASE
        + ',"prefix_tokens":5,"timing_events":'
        + '[{"event_type":"user_message","timestamp":"yesterday at noon"}]}',
        "unparseable_timestamp",
        "timing_events[0].timestamp",
    ),
    (
        "timestamp_without_seconds",  # a time DuckDB's cast would read
        "{"
        + BASE
        + ',"prefix_tokens":5,"timing_events":'
        + '[{"event_type":"user_message","timestamp":"2026-06-01T05:41Z"}]}',
        "unparseable_timestamp",
        "timing_events[0].timestamp",
    ),
    (
        "output_tokens_string",
        "{" + BASE + ',"prefix_tokens":5,"output_tokens":"12","timing_events":[' + EVENT + "]}",
        "not_an_integer",
        "output_tokens",
    ),
    (
        "input_total_negative",
        "{" + BASE + ',"prefix_tokens":5,"input_tokens_total":-1,"timing_events":[' + EVENT + "]}",
        "negative_integer",
        "input_tokens_total",
    ),
    (
        "tools_object",
        "{" + BASE + ',"prefix_tokens":5,"tools":{},"timing_events":[' + EVENT + "]}",
        "not_a_list",
        "tools",
    ),
    (
        "later_event_not_object",
        "{" + BASE + ',"prefix_tokens":5,"timing_events":[' + EVENT + ",7]}",
        "event_not_an_object",
        "timing_events[1]",
    ),
    (
        "input_total_mismatch",
        "{" + BASE + ',"prefix_tokens":5,"input_tokens_total":99,"timing_events":[' + EVENT + "]}",
        "input_tokens_total_mismatch",
        "input_tokens_total",
    ),
]


# Lone surrogate escapes (half an emoji cut by a truncation): two kept lines, one rejected.
SURROGATE_LINES = [
    GOOD_STEPS[4][:-1] + ',"model":"opus \\ud83d","note":"\\\\ud83d \\ud83d\\ude00 \\ude00"}',
    GOOD_STEPS[5][:-1] + ',"\\udc00x":1,"project":"\\uD83D"}',
    '{"provider":"claude","prefix_tokens":"\\ud83d","timing_events":[' + EVENT + "]}",
]
# JSON whitespace around the object: kept.
PADDED_LINES = [
    "\t" + GOOD_STEPS[6],
    " \t " + GOOD_STEPS[7] + "\t ",
    GOOD_STEPS[8] + " \t",
    "\t\t" + GOOD_STEPS[9],
]


def write_trace(
    path: Path, lines: list[str | bytes], newline: str = "\n", bom: bool = False
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = [line if isinstance(line, bytes) else line.encode("utf-8") for line in lines]
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.encode().join(encoded) + newline.encode()
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def trace_with(bad_line: str | bytes) -> list[str | bytes]:
    """Good lines, a blank line at line 3 and the bad line at line 5."""
    return [GOOD_STEPS[0], GOOD_STEPS[1], "", GOOD_STEPS[2], bad_line, *GOOD_STEPS[3:40]]


def quarantine(env: dict[str, str] | None = None) -> dict[str, str]:
    return {"TRACE_ATLAS_ON_BAD_LINES": "quarantine", **(env or {})}


def audit_of(out: Path) -> dict[str, int]:
    rows = csv.reader((out / "cache_hit_ratio_step_audit.csv").read_text().splitlines()[1:])
    return {f"{section}.{item}": int(count) for section, item, count in rows}


STRICT_CASES = [case for case in REJECTED if case[0] in ("not_json", "token_string")]


@pytest.mark.parametrize(
    "name,bad_line,reason,field,problem", STRICT_CASES, ids=[c[0] for c in STRICT_CASES]
)
def test_strict_mode_stops_at_the_first_bad_line_naming_file_line_field_and_problem(
    tmp_path, name, bad_line, reason, field, problem
):
    """The message is made of the rejection's columns (file, line, field, problem, reason): the
    quarantine test below checks those columns for every kind of bad line; here, the message
    with and without a field, the first bad line named (the first file's, though a later
    file's bad line comes earlier in it), and every bad line counted."""
    later_bad = REJECTED[-1][1]
    lines = [*trace_with(bad_line)[:8], later_bad, *trace_with(bad_line)[8:]]
    trace = write_trace(tmp_path / f"{name}.jsonl", lines)
    later_file = write_trace(tmp_path / f"{name}_z.jsonl", [later_bad, GOOD_STEPS[0]])
    traces = f"{trace},{later_file}"
    result = run_dbt(["build", "--select", "+stg_trace__lines"], traces, tmp_path)
    assert result.returncode != 0
    where = f"{trace}, line 5" + (f": field {field}" if field else "")
    assert f"Bad trace line: {where}: {problem} [{reason}]" in result.stdout, result.stdout[-3000:]
    assert "3 bad line(s) in all; no output was written" in result.stdout
    assert "ON_BAD_LINES=quarantine" in result.stdout


def test_quarantine_sets_every_rejected_line_aside(tmp_path):
    lines: list[str | bytes] = [GOOD_STEPS[0], ""]
    for index, case in enumerate(REJECTED):
        lines += [GOOD_STEPS[10 + index], case[1]]
    lines += [b'{"provider":"cl\xffaude","prefix_tokens":1}', *GOOD_STEPS[100:200]]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    run = run_pipeline(str(trace), tmp_path / "run", env=quarantine())
    assert_outputs_match_reference(run, [trace])
    # The experiments that read each line's events and tools (idle gaps, thinking time, the
    # bill): the lines after one DuckDB's reader skips (not UTF-8) keep their own events.
    checked_lines = reference.check_lines([str(trace)])
    kept = [json.loads(checked.line.raw) for checked in checked_lines if checked.step]
    expected = bill_reference.outputs_for_steps(kept)
    expected["cache_hit_idle_gap_summary.csv"] = idle_reference.idle_gap_summary(kept)
    expected["human_idle_cache_counterfactual_summary.csv"] = idle_reference.counterfactual_summary(
        kept
    )
    for name, text in expected.items():
        built = (run.out / name).read_text(encoding="utf-8")
        assert_same_cells(built, text, name, idle_tests.SUMMED | idle_tests.BILL_SUMMED)
    rows = list(csv.reader((run.out / "rejected_lines.csv").read_text().splitlines()[1:]))
    assert [(row[1], row[2], row[3], row[4]) for row in rows] == [
        (str(4 + 2 * i), reason, field, problem)
        for i, (_, _, reason, field, problem) in enumerate(REJECTED)
    ] + [(str(len(lines) - 100), "not_utf8", "", "the line is not UTF-8 text")]
    audit = audit_of(run.out)
    assert audit["lines.lines_read"] == len(lines)
    assert audit["lines.blank_lines"] == 1
    assert audit["lines.rejected_lines"] == len(REJECTED) + 1
    assert audit["rejected.not_an_integer"] == sum(c[2] == "not_an_integer" for c in REJECTED)
    assert audit["rejected.not_utf8"] == 1


@pytest.mark.parametrize("mode", ["strict", "quarantine"])
def test_values_no_output_reads_are_warnings_in_both_modes(tmp_path, mode):
    lines = [GOOD_STEPS[0], *(case[1] for case in WARNED), *GOOD_STEPS[60:80]]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    run = run_pipeline(str(trace), tmp_path / "run", env={"TRACE_ATLAS_ON_BAD_LINES": mode})
    assert_outputs_match_reference(run, [trace])
    rows = list(csv.reader((run.out / "line_warnings.csv").read_text().splitlines()[1:]))
    assert [(row[1], row[2], row[3]) for row in rows] == [
        (str(2 + i), case[2], case[3]) for i, case in enumerate(WARNED)
    ]
    audit = audit_of(run.out)
    assert audit["lines.rejected_lines"] == 0
    assert audit["lines.steps_ingested"] == len(lines)
    assert audit["warnings.unparseable_timestamp"] == 2


@pytest.mark.parametrize("mode", ["strict", "quarantine"])
def test_unreadable_lines_are_named_rejections(tmp_path, mode):
    """Bytes that are not UTF-8, and a line longer than the reader's limit (var max_line_bytes,
    128 MiB; lowered here to 1 MiB so that the test stays small)."""
    limit = 1024 * 1024
    lowered = ["--vars", f"{{max_line_bytes: {limit}}}"]
    too_long = '{"provider":"claude","blob":"' + "x" * limit + '"}'
    lines: list[str | bytes] = [
        GOOD_STEPS[0],
        b'{"provider":"\xe9t\xe9"}',
        GOOD_STEPS[1],
        too_long,
        GOOD_STEPS[2],
    ]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    if mode == "strict":
        result = run_dbt(["build", "--select", "+stg_trace__lines", *lowered], str(trace), tmp_path)
        assert (
            f"Bad trace line: {trace}, line 2: the line is not UTF-8 text [not_utf8]"
            in result.stdout
        )
        return
    run = run_pipeline(str(trace), tmp_path / "run", env=quarantine(), dbt_args=lowered)
    expected = reference.outputs_for([str(trace)], max_line_bytes=limit)
    for name, text in expected.items():
        assert (run.out / name).read_text(encoding="utf-8") == text, name
    rows = list(csv.reader((run.out / "rejected_lines.csv").read_text().splitlines()[1:]))
    assert [(row[1], row[2], row[4], row[5][:12]) for row in rows] == [
        ("2", "not_utf8", "the line is not UTF-8 text", ""),
        ("4", "line_too_long", f"the line is longer than {limit} bytes", '{"provider":'),
    ]


def test_an_unreadable_line_is_named_in_its_own_file_only(tmp_path):
    """Three files read in one scan, two of them holding bytes that are not UTF-8 at different
    lines: each rejection is its own file's, and every other line keeps its number."""
    unreadable = b'{"provider":"\xe9t\xe9"}'
    first = write_trace(tmp_path / "a.jsonl", [*GOOD_STEPS[:2], unreadable, GOOD_STEPS[2]])
    second = write_trace(tmp_path / "b.jsonl", GOOD_STEPS[3:6])
    third = write_trace(tmp_path / "c.jsonl", [GOOD_STEPS[6], unreadable, GOOD_STEPS[7]])
    files = [str(first), str(second), str(third)]
    run = run_pipeline(",".join(files), tmp_path / "run", env=quarantine())
    expected = reference.outputs_for(files)
    for name, text in expected.items():
        assert (run.out / name).read_text(encoding="utf-8") == text, name
    rows = list(csv.reader((run.out / "rejected_lines.csv").read_text().splitlines()[1:]))
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (str(first), "3", "not_utf8"),
        (str(third), "2", "not_utf8"),
    ]


def test_lines_of_tens_of_megabytes_are_read_in_strict_mode(tmp_path):
    """A 30 MB line (a step carrying a big tool output) is an ordinary line."""
    step = json.loads(GOOD_STEPS[3])
    step["tools"] = [{"tool_index": 0, "tool_name": "Read", "result_chars": 30_000_000}]
    step["blob"] = "x" * 30_000_000
    big = json.dumps(step, separators=(",", ":"))
    assert len(big) > 30_000_000
    trace = write_trace(tmp_path / "trace.jsonl", [*GOOD_STEPS[:3], big, *GOOD_STEPS[4:40]])
    run = run_pipeline(str(trace), tmp_path / "run")
    assert_outputs_match_reference(run, [trace])
    assert audit_of(run.out)["lines.steps_ingested"] == 40


def test_a_lone_surrogate_escape_is_json_as_python_reads_it(tmp_path):
    """Half an emoji cut by a truncation (\\ud83d alone), in a text value, a key, next to an
    escaped backslash and a whole pair: the line is kept, and its numbers are the reference's."""
    trace = write_trace(
        tmp_path / "trace.jsonl", [*GOOD_STEPS[:4], *SURROGATE_LINES, *GOOD_STEPS[5:30]]
    )
    run = run_pipeline(str(trace), tmp_path / "run", env=quarantine())
    assert_outputs_match_reference(run, [trace])
    audit = audit_of(run.out)
    assert audit["lines.rejected_lines"] == 1
    assert audit["rejected.not_an_integer"] == 1


def test_crlf_bom_blank_lines_and_gzip_are_read_as_plain_lines(tmp_path):
    lines = [GOOD_STEPS[0], "", "   ", "\t", *GOOD_STEPS[1:30], ""]
    crlf = write_trace(tmp_path / "in" / "a.jsonl", lines, newline="\r\n", bom=True)
    gz = write_trace(tmp_path / "in" / "b.jsonl.gz", GOOD_STEPS[30:60])
    run = run_pipeline(f"{tmp_path}/in/*", tmp_path / "run")
    assert_outputs_match_reference(run, [crlf, gz])
    audit = audit_of(run.out)
    assert audit["lines.lines_read"] == len(lines) + 30
    assert audit["lines.blank_lines"] == 4


def test_json_whitespace_around_the_object_is_kept_by_every_reader(tmp_path):
    """Spaces and tabs before and after the object: JSON whitespace, kept."""
    lines = [*GOOD_STEPS[:6], *PADDED_LINES, *GOOD_STEPS[10:40]]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    run = run_pipeline(str(trace), tmp_path / "run")
    assert_outputs_match_reference(run, [trace])
    audit = audit_of(run.out)
    assert audit["lines.steps_ingested"] == len(lines)
    # the same lines next to a bad one (the runner then reads line by line) keep their fate
    mixed = write_trace(tmp_path / "mixed.jsonl", [*lines, REJECTED[0][1]])
    result = run_runner(
        ["--trace", str(mixed), "--out", str(tmp_path / "out"), "--on-bad-lines", "quarantine"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    expected = reference.outputs_for([str(mixed)])
    for name in ("cache_hit_ratio_summary.csv", "rejected_lines.csv"):
        assert (tmp_path / "out" / name).read_text() == expected[name], name
    assert audit_of(tmp_path / "out")["lines.steps_ingested"] == len(lines)


def test_a_key_repeated_in_escaped_form_is_a_duplicate(tmp_path):
    """A key the experiment reads, once plainly and once with \\u escapes, at the top level and
    in the first event: rejected as the reference rejects it, by the runner's readers too."""
    escaped_event = (
        "{" + BASE + ',"prefix_tokens":5,"timing_events":'
        '[{"event_type":"user_message","\\u0065vent_type":"tool_result"}]}'
    )
    escaped_provider = (
        '{"\\u0070rovider":"codex","provider":"claude","prefix_tokens":5,'
        '"newly_append_tokens":1,"timing_events":[' + EVENT + "]}"
    )
    # an escaped key that is not repeated is an ordinary key
    escaped_once = (
        '{"provider":"claude","pre\\u0066ix_tokens":5,"newly_append_tokens":1,'
        '"timing_events":[' + EVENT + "]}"
    )
    lines = [*GOOD_STEPS[:10], escaped_event, escaped_provider, escaped_once, *GOOD_STEPS[10:30]]
    trace = write_trace(tmp_path / "trace.jsonl", lines)
    result = run_runner(
        ["--trace", str(trace), "--out", str(tmp_path / "out"), "--on-bad-lines", "quarantine"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    expected = reference.outputs_for([str(trace)])
    for name in ("cache_hit_ratio_summary.csv", "rejected_lines.csv", "line_warnings.csv"):
        assert (tmp_path / "out" / name).read_text() == expected[name], name
    rows = list(csv.reader((tmp_path / "out" / "rejected_lines.csv").read_text().splitlines()[1:]))
    assert [(row[1], row[2], row[3]) for row in rows] == [
        ("11", "duplicate_key", "timing_events[0].event_type"),
        ("12", "duplicate_key", "provider"),
    ]


def run_runner(args: list[str], tmp_path: Path, env: dict[str, str] | None = None):
    environment = os.environ | {
        "TRACE_ATLAS_DB": str(tmp_path / "atlas.duckdb"),
        "DO_NOT_TRACK": "1",
    }
    command = [*RUNNER, "--target-path", str(tmp_path / "target"), *args]
    return subprocess.run(command, env=environment | (env or {}), capture_output=True, text=True)


def test_a_path_with_a_quote_and_spaces_is_read(tmp_path):
    """... the trace's and the price file's (PRICES); run_manifest.json names both, and the run
    names the models that file does not price."""
    trace = write_trace(tmp_path / "it's my trace.jsonl", GOOD_STEPS[:50])
    prices = tmp_path / "it's my prices.csv"
    seed = (PROJECT_DIR / "seeds" / "model_prices.csv").read_text().splitlines()
    prices.write_text("\n".join(line for line in seed if "sonnet" not in line) + "\n")
    result = run_runner(
        ["--trace", str(trace), "--out", str(tmp_path / "out")], tmp_path, {"PRICES": str(prices)}
    )
    assert result.returncode == 0, result.stderr + result.stdout
    manifest = json.loads((tmp_path / "out" / "run_manifest.json").read_text())
    assert manifest["inputs"][0]["path"] == str(trace)
    sha256 = hashlib.sha256(prices.read_bytes()).hexdigest()
    assert manifest["prices"] == {"source": "file", "path": str(prices), "sha256": sha256}
    unpriced = [line for line in result.stdout.splitlines() if "not priced" in line]
    assert len(unpriced) == 1 and "claude-sonnet-4-6 (claude, " in unpriced[0], result.stdout
    expected = reference.outputs_for([str(trace)])
    for name in ("cache_hit_ratio_summary.csv", "cache_hit_ratio_step_audit.csv"):
        assert (tmp_path / "out" / name).read_text() == expected[name], name


@pytest.mark.parametrize("mode", ["strict", "quarantine"])
def test_a_truncated_gzip_is_a_clear_error_in_both_modes(tmp_path, mode):
    whole = gzip.compress(("\n".join(GOOD_STEPS) + "\n").encode(), mtime=0)
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    result = run_runner(
        ["--trace", str(truncated), "--out", str(tmp_path / "out"), "--on-bad-lines", mode],
        tmp_path,
    )
    assert result.returncode != 0
    assert str(truncated) in result.stderr
    assert "gzip" in result.stderr.lower()
    assert not (tmp_path / "out").exists()


def test_a_failed_run_leaves_the_previous_outputs_untouched(tmp_path):
    out = tmp_path / "out"
    good = write_trace(tmp_path / "good.jsonl", GOOD_STEPS[:100])
    first = run_runner(["--trace", str(good), "--out", str(out)], tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_trace(tmp_path / "bad.jsonl", trace_with(REJECTED[0][1]))
    second = run_runner(["--trace", str(bad), "--out", str(out)], tmp_path)
    assert second.returncode == 1
    assert f"Bad trace line: {bad}, line 5" in second.stderr
    assert "no output was written" in second.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_second_run_on_the_same_database_fails_fast(tmp_path):
    trace = write_trace(tmp_path / "trace.jsonl", GOOD_STEPS * 5)
    database = tmp_path / "atlas.duckdb"
    env = os.environ | {"TRACE_ATLAS_DB": str(database), "DO_NOT_TRACK": "1"}
    runner = [*RUNNER, "--trace", str(trace), "--target-path", str(tmp_path / "target")]
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
