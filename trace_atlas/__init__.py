"""Trace Atlas: exact answers about coding agents' prompt-cache use, computed by a dbt project;
this package checks the inputs, runs dbt, formats, draws and renders, and computes no metric."""

from __future__ import annotations

import csv
import os
from pathlib import Path


def _project_dir() -> Path:
    """$TRACE_ATLAS_PROJECT_DIR, else the checkout holding this package, else its installed copy."""
    given = os.environ.get("TRACE_ATLAS_PROJECT_DIR", "").strip()
    if given:
        return Path(given).resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "dbt_project.yml").is_file():
        return checkout
    return Path(__file__).resolve().parent / "project"


PROJECT_DIR = _project_dir()


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as dictionaries (none when there is no such file)."""
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class UserError(Exception):
    """A problem the user can fix: printed as one line, without a traceback; ``code`` is the
    exit code (2 a bad option or input, 1 a failed build or write, 3 a held lock)."""

    code = 2

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
