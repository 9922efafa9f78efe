"""What a run prints once its outputs are written: where they are, what was left unpriced or
kept, and the answer (the headline mart's lines). Read from the written files only."""

from __future__ import annotations

import csv
from pathlib import Path

from trace_atlas import agent_logs


def rows_of(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unpriced_line(out: Path) -> str | None:
    """The models the price table does not price, with their steps (the build's
    human_idle_cache_unpriced_models), as one line; None when every model is priced."""
    rows = rows_of(out / "human_idle_cache_unpriced_models.csv")
    if not rows:
        return None
    named = ", ".join(
        f"{row['model'] or '(no model)'} ({row['provider']}, {int(row['steps']):,} steps)"
        for row in rows
    )
    return f"  not priced: {named}: left out of dollar totals"


def closing_lines(out: Path, options, from_logs: bool) -> list[str]:
    """The lines after the build: the folder, unpriced models, the logs' summary and history,
    then the answer, last (cache_headline.csv, one line per row)."""
    files = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    lines = [f"outputs: {out} ({len(files)} files)"]
    unpriced = unpriced_line(out)
    if unpriced:
        lines.append(unpriced)
    if from_logs:
        from trace_atlas.run import DEFAULT_DATABASE

        lines += agent_logs.summary(out)
        lines.append(agent_logs.history_line(out, bool(options.keep_history), DEFAULT_DATABASE))
    if options.no_plots:
        lines.append(
            "  no figures (NO_PLOTS): the folder was replaced, so earlier figures are gone too"
        )
    return lines + [f"  {row['line']}" for row in rows_of(out / "cache_headline.csv")]
