"""`make mine` on a home folder laid out like a real one, and on an empty one; and the cheap
checks the runner makes on agent-log folders before dbt starts."""

from __future__ import annotations

import subprocess
import sys

import pytest
from agent_log_kit import PROJECT_DIR, TOOLS, environment, ref, run_pipeline


def make_mine(home, workdir, out=None, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """`make mine [OUT=...]` with HOME pointed elsewhere (the venv step taken as done)."""
    command = ["make", "-o", ".venv/.installed", "mine", "NO_PLOTS=1"]
    command += [f"OUT={out}"] if out else []
    env = environment(workdir) | {"HOME": str(home)} | env_vars
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    """~/.claude/projects and ~/.codex/sessions (+ archived_sessions), as the agents keep them."""
    home = tmp_path_factory.mktemp("home")
    command = [sys.executable, str(TOOLS / "generate_raw_logs.py"), "--quiet", "--edge-cases"]
    command += ["--claude-root", str(home / ".claude" / "projects")]
    command += ["--codex-root", str(home / ".codex"), "--steps", "150"]
    subprocess.run(command, check=True)
    (home / ".codex" / "history.jsonl").write_text('{"not":"a session"}\n')
    return home


def test_make_mine_reads_the_default_places_and_says_what_it_found(home, tmp_path):
    out = tmp_path / "it's mine"
    done = make_mine(home, tmp_path, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = ref.normalize([home / ".claude" / "projects"], [home / ".codex"])
    said = done.stdout
    assert f"in {home / '.claude' / 'projects'}" in said
    assert f"in {home / '.codex' / 'sessions'}, {home / '.codex' / 'archived_sessions'}" in said
    for agent in ("claude", "codex"):
        kept = [step for step in expected.steps if step["provider"] == agent]
        files = expected.audit[agent]["files"]
        sessions = len({step["session_id"] for step in kept})
        assert f"  {agent}: {files} files, {sessions} sessions, {len(kept)} steps" in said
    assert (out / "agent_log_audit.csv").is_file()
    assert (out / "cache_hit_ratio_summary.csv").is_file()


def test_make_mine_on_an_empty_home_says_where_it_looked(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = make_mine(empty, tmp_path, CLAUDE_CONFIG_DIR=str(tmp_path / "claude-config"))
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout
    assert "no Claude Code or Codex session logs found" in said
    assert f"claude: {tmp_path / 'claude-config' / 'projects'} (does not exist)" in said
    assert f"claude: {empty / '.config' / 'claude' / 'projects'} (does not exist)" in said
    assert f"codex: {empty / '.codex' / 'sessions'} (does not exist)" in said
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("claude", "codex", "message"),
    [
        ("missing", None, "CLAUDE_LOGS {root}/missing is not a folder."),
        ("empty", None, "CLAUDE_LOGS {root}/empty holds no <project>/*.jsonl log."),
        (None, "empty", "CODEX_LOGS {root}/empty holds no .jsonl log"),
        ("with*star", None, "holds *; move or link it to a plain path."),
    ],
)
def test_agent_log_folders_are_checked_before_dbt_starts(tmp_path, claude, codex, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "with*star" / "p").mkdir(parents=True)
    (tmp_path / "with*star" / "p" / "s.jsonl").write_text("{}\n")
    run = run_pipeline(
        tmp_path / "run",
        tmp_path / claude if claude else None,
        tmp_path / codex if codex else None,
    )
    assert run.result.returncode == 2
    assert message.format(root=tmp_path) in run.result.stderr
    assert "dbt build" not in run.result.stdout
