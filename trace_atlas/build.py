"""dbt in this process (dbtRunner), its console off (the full log in logs/dbt.log or
DBT_LOG_PATH); a callback counts models and tests and keeps the errors for the user's line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from unittest import mock

PHASES = ("seeds", "staging", "intermediate", "marts")  # the models/ folders, in build order
ERROR_EVENTS = ("RunResultError", "RunResultFailure", "MainEncounteredError")
RESULT_EVENTS = ("LogModelResult", "LogTestResult", "LogSeedResult")
DBT_LABELS = ("Failure in", "Runtime Error", "Compilation Error", "compiled code")


@dataclass
class Progress:
    """Counts and times per phase, the tests' verdicts and the errors of one dbt invocation."""

    counts: dict[str, int] = field(default_factory=dict)
    spans: dict[str, list[str]] = field(default_factory=dict)
    tests: dict[str, int] = field(default_factory=dict)
    failed_tests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passed: bool = False

    def __call__(self, event) -> None:  # an EventMsg of dbt
        name, data = event.info.name, event.data
        if name in ("LogModelResult", "LogSeedResult"):
            info = data.node_info
            phase = node_phase(info.node_path, info.resource_type)
            self.counts[phase] = self.counts.get(phase, 0) + 1
            span = self.spans.setdefault(phase, [info.node_started_at, info.node_finished_at])
            span[0] = min(span[0], info.node_started_at)
            span[1] = max(span[1], info.node_finished_at)
        elif name == "LogTestResult":
            status = str(data.status).lower()
            self.tests[status] = self.tests.get(status, 0) + 1
            if status not in ("pass", "success", "warn"):
                self.failed_tests.append(data.node_info.node_name)
        if name in ERROR_EVENTS or (event.info.level == "error" and name not in RESULT_EVENTS):
            self.errors.append(event.info.msg)

    def lines(self) -> list[str]:
        shown = []
        for phase in PHASES:
            if phase in self.counts:
                start, end = (datetime.fromisoformat(stamp) for stamp in self.spans[phase])
                noun = "files" if phase == "seeds" else "models"
                seconds = (end - start).total_seconds()
                shown.append(f"  {phase:<13} {self.counts[phase]:>3} {noun:<7} {seconds:6.1f} s")
        total, warned = sum(self.tests.values()), self.tests.get("warn", 0)
        failed = len(self.failed_tests)
        verdict = f"  tests         {total:>3} checks: {total - warned - failed} passed"
        verdict += f", {warned} warned" if warned else ""
        verdict += f", {failed} failed ({', '.join(self.failed_tests[:3])})" if failed else ""
        return [*shown, verdict]

    def explain(self, log_path: Path) -> str:
        """The line a person needs: a bad trace line, a reader error, or dbt's first error."""
        lines = [line.strip() for line in "\n".join(self.errors).splitlines() if line.strip()]
        for line in lines:
            if "Bad trace line:" in line:
                return line[line.index("Bad trace line:") :]
        noise = (*DBT_LABELS, "Encountered an error", ">")
        meaningful = [line for line in lines if not line.startswith(noise)]
        return meaningful[0] if meaningful else f"dbt build failed (see {log_path})"


def node_phase(node_path: str, resource_type: str) -> str:
    if resource_type == "seed":
        return "seeds"
    top = node_path.split("/")[0]
    return top if top in PHASES else "marts"


def release_duckdb() -> None:
    """Close the database dbt-duckdb keeps open after a build, for the writer and the next one."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()


def invoke(args: list[str], env: dict[str, str], log_dir: Path) -> Progress:
    """dbt <args> in this process, quiet on the console; its progress (`passed`: it succeeded)."""
    from dbt.cli.main import dbtRunner

    progress = Progress()
    quiet = ["--log-level", "none", "--log-level-file", "debug", "--log-path", str(log_dir)]
    quiet += ["--no-use-colors"]
    with mock.patch.dict(os.environ, env):  # dbt's env_var() reads them
        try:
            result = dbtRunner(callbacks=[progress]).invoke([*quiet, *args])
        finally:
            release_duckdb()
    if result.exception is not None and not progress.errors:
        progress.errors.append(str(result.exception))
    progress.passed = bool(result.success)
    return progress
