"""The public anchor: the SQL path on TraceLab's two example sessions (third_party/tracelab)
reproduces the 19 steps TraceLab published, field by field, through `make normalize`.

Every derived field of SPEC section 2 is compared -- the token counts, the ids, the input
summaries, every timing event and every tool with its latencies and its raw input (written with
INCLUDE_CONTENT=1) -- except session_file, home, user and store, which say where TraceLab's
collector found the files on its author's machine.
"""

from __future__ import annotations

import json
import subprocess

import duckdb
import pytest
from agent_log_kit import PROJECT_DIR, TRACELAB, environment, json_lines, read_lines

NOT_DERIVED = {"session_file", "home", "user", "store"}
SECRETS = ("gpu", "llama3", "Qwen3", "Chunk ID", "AGENTS.md", "ls -la", "SigV1")


def published() -> list[dict]:
    lines = (TRACELAB / "derived_round_trace.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def make_normalize(workdir, output, include_content: bool) -> subprocess.CompletedProcess[str]:
    """`make normalize` on the two example sessions (the venv step taken as done)."""
    command = ["make", "-o", ".venv/.installed", "normalize"]
    variables = {
        "CLAUDE_LOGS": str(TRACELAB / "claude" / "projects"),
        "CODEX_LOGS": str(TRACELAB / "codex" / "sessions"),
        "NORMALIZED": str(output),
        "INCLUDE_CONTENT": "1" if include_content else "0",
    }
    env = environment(workdir) | variables
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def anchor(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("anchor")
    done = make_normalize(folder / "with_content", folder / "steps.jsonl.gz", True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return folder, done, json_lines(read_lines(folder / "steps.jsonl.gz"))


def test_the_19_published_steps_are_reproduced_field_by_field(anchor):
    _, done, steps = anchor
    rows = published()
    assert len(rows) == len(steps) == 19
    assert "wrote 19 steps" in done.stdout
    for number, (step, row) in enumerate(zip(steps, rows, strict=True)):
        for name, value in row.items():
            if name not in NOT_DERIVED:
                assert step[name] == value, f"row {number} field {name}"
        added = {name: step[name] for name in step if name not in row}
        split = {"claude_cache_creation_5m_input_tokens", "claude_cache_creation_1h_input_tokens"}
        assert (
            set(added)
            <= {"cwd", "turn_id", "project", "is_subagent", "source_file"} | {"source_line"} | split
        )
        assert added["is_subagent"] is False
        # the cache write's split by lifetime, when the record has a write total and a 1-hour count
        parts = [added.get(name) for name in sorted(split)]
        assert parts == [None, None] or sum(parts) == step["claude_cache_creation_input_tokens"]


def test_the_steps_open_on_the_records_raw_logs_md_names(anchor):
    steps = anchor[2]
    claude = [s["source_line"] for s in steps if s["provider"] == "claude"]
    codex = [s["source_line"] for s in steps if s["provider"] == "codex"]
    assert claude == [7, 13, 21, 26, 28, 38, 43, 47, 55, 57]
    assert codex == [15, 23, 27, 34, 40, 51, 57, 67, 71]


def test_by_default_no_content_is_stored_or_written(tmp_path):
    done = make_normalize(tmp_path / "run", tmp_path / "steps.jsonl", False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = (tmp_path / "steps.jsonl").read_text(encoding="utf-8")
    steps = [json.loads(line) for line in text.splitlines()]
    assert all("input" not in tool for step in steps for tool in step["tools"])
    assert not any(secret in text for secret in SECRETS)
    with duckdb.connect(str(tmp_path / "run" / "atlas.duckdb"), read_only=True) as connection:
        columns = connection.execute(
            "select columns.table_name, columns.column_name from information_schema.columns "
            "inner join information_schema.tables using (table_schema, table_name) "
            "where columns.data_type = 'VARCHAR' and tables.table_type = 'BASE TABLE'"
        ).fetchall()
        for table, column in columns:
            values = connection.execute(f'select "{column}" from "{table}"').fetchall()
            stored = "\n".join(str(value[0]) for value in values)
            assert not any(secret in stored for secret in SECRETS), f"{table}.{column}"
