"""The run manifest (run_manifest.json): what went in, which build, engine, versions and commit
made the folder, and the step audit's counts. Facts only; nothing is computed here."""

from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from trace_atlas import PROJECT_DIR

# The demo trace `make run` generates when given no input (the Makefile's DEFAULT_TRACE).
DEMO_TRACE = "data/default/trace.jsonl"
DAYS_FILE = "cache_by_day.csv"
INPUT_KINDS = {"trace": "trace", "agent_logs": "agent logs", "trace_db": "trace database"}

if TYPE_CHECKING:
    from trace_atlas.outputs import Table


def build_facts(manifest: dict, target_dir: Path) -> dict:
    """What dbt says about the build: versions, invocation, target, times."""
    metadata = manifest.get("metadata", {})
    results_path = target_dir / "run_results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    adapter = metadata.get("adapter_type") or "duckdb"
    return {
        "dbt_version": metadata.get("dbt_version"),
        "adapter": adapter,
        "adapter_version": package_version(f"dbt-{adapter}"),
        "invocation_id": results.get("metadata", {}).get("invocation_id")
        or metadata.get("invocation_id"),
        "build_finished_at": results.get("metadata", {}).get("generated_at"),
        "build_seconds": results.get("elapsed_time"),
        "target": results.get("args", {}).get("target") or "default",
    }


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if found.returncode != 0:
        return None
    return found.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def audit_counts(tables: dict[str, Table]) -> dict[str, int]:
    """Rows read, ingested, eligible, rejected and excluded, from the step audit."""
    audit = tables.get("cache_hit_ratio_step_audit.csv")
    if audit is None:
        return {}
    counts = {f"{row[0]}.{row[1]}": int(row[2]) for row in audit.values}
    return {
        "lines_read": counts.get("lines.lines_read"),
        "blank_lines": counts.get("lines.blank_lines"),
        "rejected_lines": counts.get("lines.rejected_lines"),
        "steps_ingested": counts.get("lines.steps_ingested"),
        "eligible_steps": counts.get("steps.eligible_steps"),
        "excluded_steps": counts.get("steps.excluded_steps"),
    }


def run_manifest(
    facts: dict, inputs: list[dict], tables: dict[str, Table], engine: str, options: dict
) -> dict:
    return {
        "format": "trace-atlas-run-manifest",
        "version": 1,
        "experiment": "prefix-cache hit ratio",
        "inputs": inputs,
        "rows": audit_counts(tables),
        "on_bad_lines": options.get("on_bad_lines"),
        "input_kind": options.get("input_kind"),
        "engine": engine,
        "target": facts["target"],
        "dbt_version": facts["dbt_version"],
        "adapter": facts["adapter"],
        "adapter_version": facts["adapter_version"],
        "dbt_invocation_id": facts["invocation_id"],
        "started_at": options.get("started_at"),
        "build_finished_at": facts["build_finished_at"],
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        **options.get("extra", {}),
    }


# ---------------------------------------------------------------- writing


# ---------------------------------------------------------------- the source, in words


def source_line(out_dir: Path) -> str:
    """What a folder's numbers come from, as the page and every figure name it: the input (the
    demo trace said to be generated) and the first and last day of its steps, read from the
    folder's run_manifest.json and cache_by_day.csv (written in day order)."""
    path = out_dir / "run_manifest.json"
    if not path.is_file():
        return "Source: not recorded (the folder holds no run_manifest.json)"
    try:
        run = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        run = None
    if not isinstance(run, dict):
        return "Source: not recorded (the folder's run_manifest.json could not be read)"
    paths = [str(item.get("path", "")) for item in run.get("inputs", [])]
    kind = INPUT_KINDS.get(run.get("input_kind"), str(run.get("input_kind") or "input"))
    demo = str((PROJECT_DIR / DEMO_TRACE).resolve())
    if paths == [demo]:
        text = f"the demo trace {DEMO_TRACE}, generated by tools/generate_trace.py (not real logs)"
    elif len(paths) == 1:
        text = f"{kind} {paths[0]}"
    else:
        folder = os.path.commonpath(paths) if paths else ""
        text = f"{kind}, {len(paths):,} files" + (f" under {folder}" if folder else "")
    return f"Source: {text}{days_text(out_dir / DAYS_FILE)}"


def days_text(path: Path) -> str:
    """', steps dated D1 to D2 (UTC)' from the first and last dated row of cache_by_day.csv."""
    if not path.is_file():
        return ""
    with open(path, newline="", encoding="utf-8") as handle:
        days = [row["day"] for row in csv.DictReader(handle) if row["day"]]
    return f", steps dated {days[0]} to {days[-1]} (UTC)" if days else ", no step has a time"
