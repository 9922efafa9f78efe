"""The SQL reading of raw agent logs against the independent reference, on generated logs with
every edge case of docs/raw_logs_rules.md and a few bad lines (a quarantine run).

One run of `make run CLAUDE_LOGS=... CODEX_LOGS=... ON_BAD_LINES=quarantine` (through
trace_atlas/run.py), then the normalized export of the same build. Compared with
tests/raw_logs_reference.py on the same folders: the steps (byte for byte, every field), the steps
set aside (with their reasons), the audit of every raw line, the rejections; and the experiment's
outputs with tests/reference.py's on the reference's own normalized steps.
"""

from __future__ import annotations

import duckdb
import pytest
from agent_log_kit import (
    SPEC_FILES,
    audit_of_reference,
    audit_of_run,
    audit_rows_in_order,
    generate,
    ref,
    reference_lines,
    rejections_of_reference,
    rejections_of_run,
    run_pipeline,
    step_audit_of_run,
    write_normalized,
)

import reference


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory):
    """Generated logs (edge cases and bad lines), the reference's reading, the SQL run."""
    folder = tmp_path_factory.mktemp("raw")
    claude, codex = generate(folder / "logs", 500, "--edge-cases", "--bad-lines")
    expected = ref.normalize([claude], [codex])
    run = run_pipeline(folder / "run", claude, codex / "sessions", "--on-bad-lines", "quarantine")
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    exported = write_normalized(run, folder / "steps.jsonl")
    ref.write_steps(expected.steps, folder / "reference_steps.jsonl")
    return {
        "folder": folder,
        "expected": expected,
        "run": run,
        "exported": exported,
        "claude": claude,
        "codex": codex,
    }


def test_the_runner_says_what_it_found_per_agent(edge):
    said = edge["run"].result.stdout
    files = len(list(edge["claude"].glob("*/**/*.jsonl")))
    assert f"claude: {files} files, " in said
    assert f"{edge['codex'] / 'sessions'}, {edge['codex'] / 'archived_sessions'}" in said
    for agent in ("claude", "codex"):
        kept = [s for s in edge["expected"].steps if s["provider"] == agent]
        sessions = len({s["session_id"] for s in kept})
        assert f"{agent}: " in said and f", {sessions} sessions, {len(kept)} steps" in said


def test_steps_equal_the_reference_byte_for_byte(edge):
    expected = reference_lines(edge["expected"].steps)
    assert len(edge["exported"]) == len(expected) > 400
    for number, (got, want) in enumerate(zip(edge["exported"], expected, strict=True)):
        assert got == want, f"step {number}:\n sql {got[:600]}\n ref {want[:600]}"


def test_steps_set_aside_equal_the_reference_with_their_reasons(edge):
    with duckdb.connect(str(edge["run"].database), read_only=True) as connection:
        got = connection.execute(
            "select source_file, source_line, set_aside_reason "
            "from int_agent_log_steps_deduplicated where set_aside_reason is not null "
            "order by step_order"
        ).fetchall()
    want = [
        (step["source_file"], step["source_line"], step["set_aside_reason"])
        for step in edge["expected"].set_aside
    ]
    assert got == want
    reasons = {reason for _, _, reason in got}
    assert reasons >= {
        "btw_replay",
        "fork_copy",
        "archived_duplicate_file",
        "codex_subagent_replay",
        "codex_fork_replay",
    }


def test_audit_equals_the_reference_and_accounts_for_every_raw_line(edge):
    got = audit_of_run(edge["run"])
    sessions = {key: got.pop(key) for key in list(got) if key[2] == "sessions"}
    assert got == audit_of_reference(edge["expected"])
    for agent in ("claude", "codex"):
        lines = {item: count for (a, section, item), count in got.items() if a == agent}
        ignored = sum(
            count
            for (a, section, _), count in got.items()
            if a == agent and section.startswith("ignored_")
        )
        accounted = sum(lines[item] for item in ("used", "bad", "truncated_last_line", "blank"))
        assert lines["read"] == accounted + ignored > 0
        kept = [s for s in edge["expected"].steps if s["provider"] == agent]
        assert sessions[(agent, "steps", "sessions")] == len({s["session_id"] for s in kept})


def test_audit_rows_come_in_the_documented_order(edge):
    assert audit_rows_in_order(edge["run"])


def test_bad_lines_are_rejections_with_file_and_line_and_a_live_last_line_is_not(edge):
    assert rejections_of_run(edge["run"]) == rejections_of_reference(edge["expected"])
    audit = audit_of_run(edge["run"])
    assert audit[("claude", "lines", "truncated_last_line")] >= 1
    assert audit[("codex", "lines", "truncated_last_line")] >= 1
    assert (edge["run"].out / "rejected_lines.csv").read_text().count("\n") == 1 + len(
        edge["expected"].rejections
    )


def test_outputs_equal_the_reference_on_its_normalized_steps(edge):
    expected = reference.outputs_for([str(edge["folder"] / "reference_steps.jsonl")])
    for name in SPEC_FILES:
        assert (edge["run"].out / name).read_text(encoding="utf-8") == expected[name], name


def test_step_audit_agrees_with_the_raw_line_audit(edge):
    steps = step_audit_of_run(edge["run"])
    raw = audit_of_run(edge["run"])
    lines = sum(raw[(agent, "lines", "read")] for agent in ("claude", "codex"))
    assert steps[("lines", "lines_read")] == lines
    assert steps[("lines", "blank_lines")] == sum(
        raw[(agent, "lines", "blank")] for agent in ("claude", "codex")
    )
    assert steps[("lines", "rejected_lines")] == len(edge["expected"].rejections)
    assert steps[("lines", "steps_ingested")] == len(edge["expected"].steps)
    assert (
        steps[("lines", "blank_lines")]
        + steps[("lines", "rejected_lines")]
        + steps[("lines", "steps_ingested")]
        + steps[("lines", "other_lines")]
        == lines
    )


def test_the_normalized_export_reads_back_to_the_same_outputs(edge, tmp_path):
    trace = edge["folder"] / "steps.jsonl"
    from atlas_testkit import run_pipeline as run_trace

    again = run_trace(str(trace), tmp_path / "again")
    for name in SPEC_FILES:
        assert (again.out / name).read_text() == (edge["run"].out / name).read_text(), name


def test_no_log_content_is_stored_or_written(edge):
    """Prompts, tool inputs and outputs never reach a table or a file: no string column of any
    table, and no output file, holds a text the generator writes only inside content."""
    markers = ("日本語のテキスト", "Original token count", "*** Begin Patch")
    with duckdb.connect(str(edge["run"].database), read_only=True) as connection:
        columns = connection.execute(
            "select columns.table_name, columns.column_name from information_schema.columns "
            "inner join information_schema.tables using (table_schema, table_name) "
            "where columns.data_type = 'VARCHAR' and tables.table_type = 'BASE TABLE'"
        ).fetchall()
        for table, column in columns:
            for marker in markers:
                found = connection.execute(
                    f'select count(*) from "{table}" where contains("{column}", ?)', [marker]
                ).fetchone()[0]
                assert found == 0, f"{table}.{column} holds log content ({marker!r})"
    written = "\n".join(edge["exported"]) + "".join(
        path.read_text(encoding="utf-8") for path in edge["run"].out.glob("*.*")
    )
    assert not any(marker in written for marker in markers)
    assert '"input"' not in "\n".join(edge["exported"])
