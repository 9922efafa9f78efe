"""Helpers of the raw-agent-log tests: generated raw logs, the pipeline on them, and the
independent reference (tests/raw_logs_reference.py) side by side.

A module with its own name (not conftest.py), like tests/atlas_testkit.py."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOOLS = PROJECT_DIR / "tools"
TESTS = PROJECT_DIR / "tests"
TRACELAB = PROJECT_DIR / "third_party" / "tracelab"
# The experiment's output files of SPEC section 4 (the same on any input of the same steps).
SPEC_FILES = (
    "cache_hit_ratio_summary.csv",
    "cache_hit_ratio_bins.csv",
    "cache_hit_ratio_round_split.csv",
    "cache_hit_ratio_token_weighted.csv",
    "cache_hit_ratio_table.md",
    "prefix_cache_hit_rate_table.tex",
)
# R2.4 says not_object; the project's seed of rejection reasons says not_an_object.
REASON_NAMES = {"not_object": "not_an_object"}

sys.path.insert(0, str(TESTS))
import raw_logs_reference as ref  # noqa: E402


@dataclass(frozen=True)
class Run:
    """One run of `trace-atlas run` on raw logs, in a private folder."""

    workdir: Path
    result: subprocess.CompletedProcess[str]

    @property
    def out(self) -> Path:
        return self.workdir / "out"

    @property
    def database(self) -> Path:
        return self.workdir / "atlas.duckdb"

    @property
    def target(self) -> Path:
        return self.workdir / "target"


def generate(folder: Path, steps: int, *flags: str) -> tuple[Path, Path]:
    """Raw logs from tools/generate_raw_logs.py: (Claude projects folder, Codex home)."""
    claude, codex = folder / "claude" / "projects", folder / "codex"
    command = [sys.executable, str(TOOLS / "generate_raw_logs.py"), "--quiet"]
    command += ["--claude-root", str(claude), "--codex-root", str(codex), "--steps", str(steps)]
    subprocess.run([*command, *flags], check=True)
    return claude, codex


def environment(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TRACE_ATLAS_") and key not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")
    }
    return (
        env
        | {
            "TRACE_ATLAS_DB": str(workdir / "atlas.duckdb"),
            "TRACE_ATLAS_SPARK_DIR": str(workdir / "spark"),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "DO_NOT_TRACK": "1",
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
        }
        | (extra or {})
    )


def run_pipeline(
    workdir: Path,
    claude: Path | None,
    codex_sessions: Path | None,
    *options: str,
    env: dict[str, str] | None = None,
) -> Run:
    """`trace-atlas run` on raw logs (no figures), database and target under workdir."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "trace_atlas", "run", "--no-plots"]
    command += ["--out", str(workdir / "out"), "--target-path", str(workdir / "target")]
    if claude:
        command += ["--claude-logs", str(claude)]
    if codex_sessions:
        command += ["--codex-logs", str(codex_sessions)]
    result = subprocess.run(
        [*command, *options],
        cwd=PROJECT_DIR,
        env=environment(workdir, env),
        capture_output=True,
        text=True,
    )
    return Run(workdir, result)


def write_normalized(run: Run, output: Path) -> list[str]:
    """The normalized export of a run's build (DuckDB's copy of its normalized view); the file's
    lines."""
    from trace_atlas import normalized

    normalized.write(run.database, output)
    return read_lines(output)


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        return handle.read().splitlines()


def reference_lines(steps: list[dict[str, Any]]) -> list[str]:
    """The reference's steps as it writes them (compact JSON, R11)."""
    return [ref.compact_json(step) for step in steps]


def audit_of_run(run: Run) -> dict[tuple[str, str, str], int]:
    """agent_log_audit.csv as {(agent, section, item): count}."""
    with open(run.out / "agent_log_audit.csv", newline="", encoding="utf-8") as handle:
        return {
            (row["agent"], row["section"], row["item"]): int(row["count"])
            for row in csv.DictReader(handle)
        }


# The audit's sections in the order its rows come (per agent, claude first), and the fixed items
# of the sections the reference does not list, in the order of docs/raw_logs_rules.md R10.
AUDIT_SECTIONS = (
    "files",
    "lines",
    "ignored_bookkeeping",
    "ignored_unknown",
    "steps",
    "set_aside",
    "skipped",
    "token_counts",
    "dropped_events",
    "tools",
)
AUDIT_ITEMS = {
    "files": ("files",),
    "lines": ("read", "used", "bad", "truncated_last_line", "blank"),
    "steps": ("formed", "kept", "sessions"),
}


def audit_rows_in_order(run: Run) -> bool:
    """agent_log_audit.csv lists its rows agent by agent, its sections in AUDIT_SECTIONS order,
    the fixed items of a section in the rules' order and the ignored labels by name."""
    with open(run.out / "agent_log_audit.csv", newline="", encoding="utf-8") as handle:
        rows = [(row["agent"], row["section"], row["item"]) for row in csv.DictReader(handle)]

    def place(row: tuple[str, str, str]) -> tuple:
        agent, section, item = row
        fixed = AUDIT_ITEMS | ref.AUDIT_KEYS[agent]
        known = fixed.get(section, ())
        return (agent, AUDIT_SECTIONS.index(section), known.index(item) if item in known else item)

    return rows == sorted(rows, key=place)


def audit_of_reference(result: ref.Result) -> dict[tuple[str, str, str], int]:
    """The reference's audit in the same shape (its `files`, `lines`, ... as sections)."""
    rows: dict[tuple[str, str, str], int] = {}
    for agent, audit in result.audit.items():
        rows[(agent, "files", "files")] = audit["files"]
        lines = audit["lines"]
        for item in ("read", "used", "bad", "truncated_last_line", "blank"):
            rows[(agent, "lines", item)] = lines[item]
        for section in ("ignored_bookkeeping", "ignored_unknown"):
            for label, count in lines[section].items():
                rows[(agent, section, label)] = count
        rows[(agent, "steps", "formed")] = audit["steps"]["formed"]
        rows[(agent, "steps", "kept")] = audit["steps"]["kept"]
        for section in ("skipped", "token_counts", "dropped_events", "tools"):
            for item, count in audit[section].items():
                rows[(agent, section, item)] = count
        for reason, count in audit["steps"]["set_aside"].items():
            rows[(agent, "set_aside", reason)] = count
    return rows


def rejections_of_run(run: Run) -> list[tuple[str, int, str]]:
    with open(run.out / "rejected_lines.csv", newline="", encoding="utf-8") as handle:
        return [(row["file"], int(row["line"]), row["reason"]) for row in csv.DictReader(handle)]


def rejections_of_reference(result: ref.Result) -> list[tuple[str, int, str]]:
    return sorted(
        (item.file, item.line, REASON_NAMES.get(item.reason, item.reason))
        for item in result.rejections
    )


def step_audit_of_run(run: Run) -> dict[tuple[str, str], int]:
    with open(run.out / "cache_hit_ratio_step_audit.csv", newline="", encoding="utf-8") as handle:
        return {(row["section"], row["item"]): int(row["count"]) for row in csv.DictReader(handle)}


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]
