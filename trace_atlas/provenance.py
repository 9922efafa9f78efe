"""The run manifest (run_manifest.json): what went in, which build, engine, versions and commit
made the folder, and the step audit's counts. Facts only; nothing is computed here."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from trace_atlas import PROJECT_DIR

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
    """HEAD of the project's checkout, with -dirty when a tracked file changed."""
    git = ["git", "-C", str(PROJECT_DIR)]
    try:
        found = subprocess.run(
            [*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        status = [*git, "status", "--porcelain", "--untracked-files=no"]
        dirty = subprocess.run(status, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() + ("-dirty" if dirty else "") if found.returncode == 0 else None


def audit_counts(tables: dict[str, Table]) -> dict[str, int]:
    """Rows read, ingested, eligible, rejected and excluded, from the step audit."""
    audit = tables.get("cache_hit_ratio_step_audit.csv")
    if audit is None:
        return {}
    counts = {f"{row[0]}.{row[1]}": int(row[2]) for row in audit.values}
    names = ("lines.lines_read", "lines.blank_lines", "lines.rejected_lines")
    names += ("lines.steps_ingested", "steps.eligible_steps", "steps.excluded_steps")
    return {name.split(".")[1]: counts.get(name) for name in names}


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
