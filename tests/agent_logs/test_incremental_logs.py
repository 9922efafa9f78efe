"""Raw logs read incrementally: a run reads only the log files that are new or changed since the
last build, keeps the lines of the others and drops those of deleted files, then rebuilds every
model after the lines. Whatever the sequence -- a live session appended to in small pieces (a
Claude chain and Codex's running token_count crossing the old/new boundary, a half-written
last line completed later: such a file is read from its last line on), a new session, a forked
copy, a deleted one, one rewritten in place with its size and modification time kept -- every
output equals that of a full build of the logs as they are. A run with nothing new builds
nothing and leaves the outputs as they were."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from agent_log_kit import Run, generate, run_pipeline

pytestmark = pytest.mark.slow


def inputs_line(run: Run) -> str:
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    return next(line for line in run.result.stdout.splitlines() if "inputs:" in line)


def assert_same_outputs(incremental: Run, full: Run) -> None:
    """Every table of the incremental run's folder equals the full build's."""
    assert full.result.returncode == 0, full.result.stdout[-3000:] + full.result.stderr[-3000:]
    names = sorted(path.name for path in full.out.iterdir() if path.suffix in (".csv", ".md"))
    assert len(names) >= 8 and "agent_log_audit.csv" in names
    for name in names:
        assert (incremental.out / name).read_text() == (full.out / name).read_text(), name


def cut(lines: list[bytes], share: float) -> int:
    return max(1, int(len(lines) * share))


def test_any_sequence_of_log_changes_gives_a_full_builds_outputs(tmp_path: Path) -> None:
    claude, codex = generate(tmp_path / "home", 150, "--edge-cases")
    claude_files = sorted(path for path in claude.rglob("*.jsonl") if "subagents" not in path.parts)
    codex_files = sorted((codex / "sessions").rglob("*.jsonl"))
    live_claude, live_codex = (
        max(files, key=lambda path: path.stat().st_size) for files in (claude_files, codex_files)
    )
    live = (live_claude, live_codex)
    whole = {path: path.read_bytes().splitlines(keepends=True) for path in live}
    assert all(len(lines) > 20 for lines in whole.values())
    for path, lines in whole.items():  # the live sessions as the agents had written them so far
        path.write_bytes(b"".join(lines[: cut(lines, 0.4)]))
    new_session = next(path for path in codex_files if path != live_codex)
    held_back = new_session.read_bytes()
    new_session.unlink()
    steps = tmp_path / "steps"

    def incremental() -> Run:
        return run_pipeline(tmp_path / "incremental", claude, codex)

    def full(name: str) -> Run:
        return run_pipeline(steps / name, claude, codex)

    first = incremental()
    assert re.search(r"inputs: \d+ to read, 0 unchanged", inputs_line(first))

    # the live sessions grow by a piece each, the Claude one ending in a half-written line; a
    # new session appears; a session is forked into a copy under a new name
    for path, lines in whole.items():
        piece = b"".join(lines[cut(lines, 0.4) : cut(lines, 0.6)])
        half = lines[cut(lines, 0.6)][:20] if path == live_claude else b""
        with open(path, "ab") as log:
            log.write(piece + half)
    new_session.write_bytes(held_back)
    forked = claude_files[0].with_name("0fork000-0000-4000-8000-000000000000.jsonl")
    shutil.copy(claude_files[0], forked)
    second = incremental()
    # the new and the forked session are read; the live ones from their last line on
    assert re.search(
        r"inputs: 2 to read, 2 grown, read from their last line on, \d+ unchanged",
        inputs_line(second),
    )
    assert_same_outputs(second, full("second"))

    # the half-written line is completed and the sessions run to their end; a session is
    # deleted; another is rewritten in place with its size and modification time kept
    for path, lines in whole.items():
        path.write_bytes(b"".join(lines))
    deleted = next(path for path in codex_files if path not in (live_codex, new_session))
    deleted.unlink()
    rewritten = next(path for path in claude_files[1:] if path != live_claude)
    stat = rewritten.stat()
    lines = rewritten.read_bytes().splitlines(keepends=True)
    rewritten.write_bytes(b"".join([*lines[1:], lines[0]]))
    os.utime(rewritten, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    third = incremental()
    assert re.search(r"inputs: 1 to read, 2 grown, .*, 1 gone, dropped", inputs_line(third))
    third_full = full("third")
    assert_same_outputs(third, third_full)

    # nothing new: no dbt build, and the outputs are left as they were
    written = (third.out / "run_manifest.json").stat().st_mtime_ns
    again = incremental()
    assert "up to date" in again.result.stdout and "dbt build (full log" not in again.result.stdout
    assert (again.out / "run_manifest.json").stat().st_mtime_ns == written
    assert_same_outputs(again, third_full)


def test_a_grown_log_with_bad_lines_in_its_new_part(tmp_path: Path) -> None:
    """A log that grows by a line that is not UTF-8 (which DuckDB's reader skips and the build
    puts back), a line that is not JSON and a record is read from its last line on, with every
    line at its own number; from then on the file holds a skipped line, so when it grows again
    it is read whole. Each time the outputs, rejected lines included, are a full build's."""
    claude, _ = generate(tmp_path / "home", 40)
    # the shortest log grows: the other logs hold lines past its kept ones, which stay theirs
    log = min(claude.rglob("*.jsonl"), key=lambda path: path.stat().st_size)
    records = log.read_bytes().splitlines(keepends=True)
    assert max(len(p.read_bytes().splitlines()) for p in claude.rglob("*.jsonl")) > len(records)
    quarantine = ("--on-bad-lines", "quarantine")

    def incremental() -> Run:
        return run_pipeline(tmp_path / "incremental", claude, None, *quarantine)

    inputs_line(incremental())
    with open(log, "ab") as grown:
        grown.write(b'{"type": "user", "text": "\xff"}\n' + b"not json {\n" + records[-1])
    second = incremental()
    assert re.search(r"inputs: 0 to read, 1 grown, ", inputs_line(second))
    assert_same_outputs(second, run_pipeline(tmp_path / "second", claude, None, *quarantine))
    rejected = (second.out / "rejected_lines.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[1:3] for row in rejected[1:]] == [
        [str(len(records) + 1), "not_utf8"],
        [str(len(records) + 2), "not_json"],
    ]
    with open(log, "ab") as grown:
        grown.write(records[-2])
    third = incremental()
    assert re.search(r"inputs: 1 to read, \d+ unchanged", inputs_line(third))
    assert_same_outputs(third, run_pipeline(tmp_path / "third", claude, None, *quarantine))
