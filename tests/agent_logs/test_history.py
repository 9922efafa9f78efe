"""History kept: `make mine` keeps, in a database under the user's data folder, the
content-free steps of log files the agents have deleted since they were read; KEEP_HISTORY=0
follows the files on disk exactly. Outputs with history equal those of the run that still saw
the deleted file, and the audit says how many steps come from files no longer on disk."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from agent_log_kit import PROJECT_DIR, TOOLS

pytestmark = pytest.mark.slow
HISTORY_TEXT_COLUMNS = {
    "source_path", "source_file", "provider", "project", "session_id", "session_file",
    "source_round_id", "source_turn_id", "source_trace_key", "model", "store", "home",
    "user_name", "first_input_event_type", "first_timing_event_type",
}  # fmt: skip
# what differs with history kept: the audits of what was read, and the run's own record
NOT_COMPARED = {
    "cache_hit_ratio_step_audit.csv", "agent_log_audit.csv", "run_manifest.json", "index.html",
}  # fmt: skip
IN_STEP_ORDER = {"cache_hit_idle_gap_points.csv"}


def mine(home: Path, data: Path, out: Path, **env_vars: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRACE_ATLAS_")}
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(data), "DO_NOT_TRACK": "1"}
    env |= {"DBT_LOG_PATH": str(out.parent / "logs"), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    command = [sys.executable, "-m", "trace_atlas", "mine", "--no-plots"]
    command += ["--out", str(out), "--target-path", str(out.parent / "target")]
    done = subprocess.run(command, env=env | env_vars, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def audit(out: Path) -> dict[str, int]:
    with open(out / "cache_hit_ratio_step_audit.csv", encoding="utf-8", newline="") as handle:
        return {row["item"]: int(row["count"]) for row in csv.DictReader(handle)}


def test_steps_of_deleted_logs_are_kept_until_history_is_off(tmp_path: Path) -> None:
    home, data = tmp_path / "home", tmp_path / "data"
    command = [sys.executable, str(TOOLS / "generate_raw_logs.py"), "--quiet"]
    command += ["--claude-root", str(home / ".claude" / "projects")]
    command += ["--codex-root", str(home / ".codex"), "--steps", "150"]
    subprocess.run(command, check=True)

    first = tmp_path / "first"
    said = mine(home, data, first)
    database = data / "trace-atlas" / "mine.duckdb"
    assert database.is_file() and f"in {database}" in said
    before = audit(first)
    assert before["steps_from_deleted_logs"] == 0

    codex = sorted((home / ".codex" / "sessions").rglob("*.jsonl"))
    # a Claude session with its sub-agents: one session read from several files
    subagents = sorted((home / ".claude" / "projects").rglob("subagents/agent-*.jsonl"))
    claude = sorted(subagents[0].parent.parent.parent.glob(subagents[0].parts[-3] + "*"))
    with duckdb.connect(str(database), read_only=True) as connection:
        deleted_steps = connection.execute(
            "select count(*) from int_agent_log_steps_kept where provider = 'codex'"
            " or source_path like ?",
            [f"{claude[0].parent}/{subagents[0].parts[-3]}%"],
        ).fetchone()[0]
    assert deleted_steps > 0
    with duckdb.connect(str(database), read_only=True) as connection:
        text_columns = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns where table_name = "
                "'int_agent_log_steps_remembered' and data_type = 'VARCHAR'"
            ).fetchall()
        }
    # what is kept: ids, names, paths and event types -- no column for any text of a log
    assert text_columns == HISTORY_TEXT_COLUMNS
    for path in codex + claude:
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    kept = tmp_path / "kept"
    said = mine(home, data, kept)
    assert f"history: {deleted_steps} steps kept from logs deleted" in said
    after = audit(kept)
    assert after["steps_from_deleted_logs"] == deleted_steps
    assert after["steps_ingested"] == before["steps_ingested"]
    assert after["lines_read"] < before["lines_read"]
    compared = sorted(p.name for p in first.iterdir() if p.is_file() and p.name not in NOT_COMPARED)
    assert "cache_hit_idle_gap_points.csv" in compared and "cache_miss_ledger.csv" in compared
    for name in compared:  # the same numbers as when the deleted logs were on disk
        now, then = (kept / name).read_text(), (first / name).read_text()
        if name in IN_STEP_ORDER:  # steps kept as history come after the steps on disk
            now, then = sorted(now.splitlines()), sorted(then.splitlines())
        assert now == then, name

    followed = tmp_path / "followed"
    said = mine(home, data, followed, KEEP_HISTORY="0")
    assert "history: off" in said
    now = audit(followed)
    assert now["steps_from_deleted_logs"] == 0
    assert now["steps_ingested"] == before["steps_ingested"] - deleted_steps
    assert (followed / "cache_hit_ratio_summary.csv").read_text() != (
        first / "cache_hit_ratio_summary.csv"
    ).read_text()
