"""What a run prints once its outputs are written: where they are, what was left unpriced or
kept, and the answer (the headline mart's lines). Read from the written files only."""

from __future__ import annotations

import os
from pathlib import Path

from trace_atlas import csv_rows


def unpriced_lines(out: Path) -> list[str]:
    """The models the price table does not price, with their steps, in one line (or none)."""
    rows = csv_rows(out / "human_idle_cache_unpriced_models.csv")
    if not rows:
        return []
    named = ", ".join(
        f"{row['model'] or '(no model)'} ({row['provider']}, {int(row['steps']):,} steps)"
        for row in rows
    )
    return [f"  not priced: {named}: left out of dollar totals"]


def agent_log_lines(out: Path, keep_history: bool) -> list[str]:
    """Files, sessions and steps per agent, then the steps of deleted logs the database keeps."""
    from trace_atlas.run import DEFAULT_DATABASE

    rows = csv_rows(out / "agent_log_audit.csv")
    counts = {(row["agent"], row["section"], row["item"]): int(row["count"]) for row in rows}
    lines = [
        f"  {agent}: {counts[(agent, 'files', 'files')]:,} files, "
        f"{counts.get((agent, 'steps', 'sessions'), 0):,} sessions, "
        f"{counts.get((agent, 'steps', 'kept'), 0):,} steps"
        for agent in ("claude", "codex")
        if counts.get((agent, "files", "files"))
    ]
    database = os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE)
    history = f"off (KEEP_HISTORY=0): only the logs on disk; database {database}"
    if keep_history:
        audit = csv_rows(out / "cache_hit_ratio_step_audit.csv")
        kept = {row["item"]: row["count"] for row in audit}.get("steps_from_deleted_logs", "0")
        history = f"{kept} steps kept from logs deleted since they were read, in {database}"
    return [*lines, f"  history: {history}"]


def closing_lines(out: Path, options, from_logs: bool) -> list[str]:
    """The lines after the build: the folder, unpriced models, the logs, then the answer."""
    files = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    lines = [f"outputs: {out} ({len(files)} files)", *unpriced_lines(out)]
    if from_logs:
        lines += agent_log_lines(out, bool(options.keep_history))
    if options.no_plots:
        lines.append("  no figures (NO_PLOTS): the folder was replaced, earlier figures with it")
    return lines + [f"  {row['line']}" for row in csv_rows(out / "cache_headline.csv")]
