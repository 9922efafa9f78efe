"""Incremental ingestion: which trace files a build must read, from what the database holds.

A trace only grows, so a run should read each file once in its life. After every successful
build the runner records, in the DuckDB database itself, the files the build holds (table
``trace_atlas_inventory``: path, size, modification time and a content fingerprint) and what
the build was (table ``trace_atlas_last_build``). The next run compares the files it is given
with that inventory:

* a file that is new, or whose size, modification time or fingerprint changed, is **read**
  (its earlier lines, if any, are replaced);
* an unchanged file is **kept** (its lines stay in the database; nothing is read);
* a file in the inventory that the run was not given is **dropped**, or kept when history is
  kept (``KEEP_HISTORY=1``): its lines stay, marked as no longer on disk.

The whole database is read again (``full_refresh``) when there is no inventory, when the
project's reading rules changed since (a hash of the files that define them) or when the user
asks (``FULL_REFRESH=1``). When nothing is read or dropped and the build would be the same as
the last successful one, there is nothing to build (``up_to_date``).

The plan goes to dbt as a CSV file (``TRACE_ATLAS_PLAN``, see macros/trace_batch.sql) and the
files to read as ``TRACE_ATLAS_TRACE``.

Raw agent logs are planned the same way, file by file (``TRACE_ATLAS_LOG_PLAN``, see
macros/agent_log_batch.sql): a file read is read whole, and every model after the lines is
rebuilt from all of them. Their reading rules also hold the folders given and whether tool
inputs are kept. A log file gone from disk is always dropped from the lines: the history
``make mine`` keeps is its steps (int_agent_log_steps_remembered), not its lines. When the plan
reads every file the lines are built anew without it, and only ``FULL_REFRESH=1`` rebuilds the
remembered steps.

A run with nothing to build stops before writing when the output folder already holds the
outputs of this build (``outputs_current``: its run_manifest.json names the build's key).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trace_atlas import PROJECT_DIR

EDGE_BYTES = 64 * 1024
INVENTORY_TABLE = "trace_atlas_inventory"
BUILD_TABLE = "trace_atlas_last_build"
# What decides how a line is read and checked: a change to any of them reads every file again.
READING_RULES = ("dbt_project.yml", "macros", "models/staging/trace", "seeds")
LOG_READING_RULES = ("dbt_project.yml", "macros", "models/staging/agent_logs", "seeds")
LOG_READING_SETTINGS = (
    "TRACE_ATLAS_CLAUDE_LOGS",
    "TRACE_ATLAS_CODEX_LOGS",
    "TRACE_ATLAS_INCLUDE_CONTENT",
)
PROJECT_FILES = ("dbt_project.yml", "macros", "models", "seeds", "tests")
SEED_FILES = ("dbt_project.yml", "seeds", "macros/seeds.sql")
PROJECT_SUFFIXES = {".yml", ".yaml", ".sql", ".csv", ".md"}
PLAN_COLUMNS = ("source_file", "action", "on_disk", "size_bytes", "modified_ns", "fingerprint")


@dataclass(frozen=True)
class FileState:
    """A trace file as found on disk."""

    path: str
    size_bytes: int
    modified_ns: int
    fingerprint: str

    @classmethod
    def of(cls, path: str) -> FileState:
        stat = os.stat(path)
        return cls(path, stat.st_size, stat.st_mtime_ns, fingerprint(path, stat.st_size))


def fingerprint(path: str, size: int) -> str:
    """sha256 of the size, the first and the last 64 KiB: cheap, and it changes when a file is
    rewritten or grows even if its modification time was kept."""
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(EDGE_BYTES))
        if size > EDGE_BYTES:
            handle.seek(max(EDGE_BYTES, size - EDGE_BYTES))
            digest.update(handle.read(EDGE_BYTES))
    return digest.hexdigest()


def reading_rules_version(project_dir: Path = PROJECT_DIR) -> str:
    """A hash of the project files that decide how a trace line is read and checked."""
    return files_version(READING_RULES, project_dir)


def log_reading_rules_version(env: dict[str, str], project_dir: Path = PROJECT_DIR) -> str:
    """A hash of what decides how a raw log line is read: the project files, the folders given
    (they decide each file's agent) and whether tool inputs are kept."""
    digest = hashlib.sha256(files_version(LOG_READING_RULES, project_dir).encode())
    for name in LOG_READING_SETTINGS:
        digest.update(f"{name}={env.get(name, '')}\0".encode())
    return digest.hexdigest()


def project_version(project_dir: Path = PROJECT_DIR) -> str:
    """A hash of every project file a build's outputs depend on."""
    return files_version(PROJECT_FILES, project_dir)


def seeds_version(project_dir: Path = PROJECT_DIR) -> str:
    """A hash of the seeds and what loads them."""
    return files_version(SEED_FILES, project_dir)


def files_version(names: tuple[str, ...], project_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in names:
        root = project_dir / name
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            if path.is_file() and path.suffix in PROJECT_SUFFIXES:
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Recorded:
    """What the database holds from the last successful build (empty when none)."""

    files: dict[str, dict]
    build: dict

    @classmethod
    def empty(cls) -> Recorded:
        return cls({}, {})


def load_recorded(database: Path) -> Recorded:
    """The inventory and the last build of the database; empty when it has none."""
    if not database.is_file():
        return Recorded.empty()
    import duckdb

    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            tables = {row[0] for row in connection.execute("show tables").fetchall()}
            if not {INVENTORY_TABLE, BUILD_TABLE} <= tables:
                return Recorded.empty()
            cursor = connection.execute(f"select * from {INVENTORY_TABLE}")
            names = [column[0] for column in cursor.description]
            files = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
            cursor = connection.execute(f"select * from {BUILD_TABLE}")
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
    except duckdb.Error:
        return Recorded.empty()
    return Recorded(files, dict(zip(names, rows[0], strict=True)) if rows else {})


@dataclass
class IngestPlan:
    """What this build reads, keeps and drops."""

    actions: dict[str, str]  # path -> read | keep | drop
    on_disk: dict[str, bool]
    states: dict[str, FileState]
    recorded: Recorded
    rules_version: str
    build_key: str
    full_refresh: bool
    reason: str
    notes: list[str] = field(default_factory=list)

    def files(self, action: str) -> list[str]:
        return sorted(path for path, done in self.actions.items() if done == action)

    @property
    def seeds_loaded(self) -> bool:
        """The database holds the seeds as they are (loaded and tested by an earlier build)."""
        return not self.full_refresh and self.recorded.build.get("seeds_version") == seeds_version()

    @property
    def up_to_date(self) -> bool:
        return (
            not self.full_refresh
            and not self.files("read")
            and not self.files("drop")
            and self.recorded.build.get("build_key") == self.build_key
        )

    def summary(self) -> str:
        read, keep, drop = self.files("read"), self.files("keep"), self.files("drop")
        gone = sum(1 for path in keep if not self.on_disk[path])
        parts = [f"{len(read)} to read", f"{len(keep) - gone} unchanged"]
        if gone:
            parts.append(f"{gone} no longer on disk, kept (KEEP_HISTORY)")
        if drop:
            parts.append(f"{len(drop)} gone, dropped")
        return ", ".join(parts) + (f" ({self.reason})" if self.reason else "")

    def write_csv(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(PLAN_COLUMNS)
            for source_file in sorted(self.actions):
                state = self.states.get(source_file)
                known = self.recorded.files.get(source_file, {})
                writer.writerow(
                    [
                        source_file,
                        self.actions[source_file],
                        str(self.on_disk[source_file]).lower(),
                        state.size_bytes if state else known.get("size_bytes"),
                        state.modified_ns if state else known.get("modified_ns"),
                        state.fingerprint if state else known.get("fingerprint"),
                    ]
                )


def make_plan(
    files: list[str],
    database: Path,
    settings: dict,
    full_refresh: bool = False,
    keep_history: bool = False,
    rules: str | None = None,
) -> IngestPlan:
    """Compare the files given with the database's inventory. `settings` are the options
    that change a build's outputs without changing what is read (e.g. ON_BAD_LINES); `rules`
    the version of the reading rules (the trace's unless given)."""
    recorded = load_recorded(database)
    rules = rules or reading_rules_version()
    states = {path: FileState.of(path) for path in files}
    reason = ""
    if full_refresh:
        reason = "FULL_REFRESH"
    elif not recorded.files and not recorded.build:
        reason = "first build of this database"
    elif recorded.build.get("rules_version") != rules:
        reason = "the project's reading rules changed since the last build"
        full_refresh = True
    actions: dict[str, str] = {}
    on_disk: dict[str, bool] = {}
    for path, state in states.items():
        known = recorded.files.get(path)
        same = known is not None and (
            known["size_bytes"],
            known["modified_ns"],
            known["fingerprint"],
        ) == (state.size_bytes, state.modified_ns, state.fingerprint)
        actions[path] = "keep" if same and not full_refresh else "read"
        on_disk[path] = True
    notes = []
    for path in recorded.files:
        if path not in states:
            # a rebuild starts from the files on disk: history cannot outlive it
            actions[path] = "keep" if keep_history and not full_refresh else "drop"
            on_disk[path] = False
    lost = [path for path in recorded.files if path not in states and actions[path] == "drop"]
    if keep_history and lost:
        notes.append(f"{len(lost)} file(s) no longer on disk are dropped by the full rebuild")
    held = {  # the files the database holds after this build, as they were read
        path: [state.size_bytes, state.modified_ns, state.fingerprint]
        for path, state in states.items()
    } | {
        path: [known["size_bytes"], known["modified_ns"], known["fingerprint"]]
        for path, known in recorded.files.items()
        if path not in states and actions[path] == "keep"
    }
    key_material = {"files": held, "rules": rules, "settings": settings}
    build_key = hashlib.sha256(json.dumps(key_material, sort_keys=True).encode()).hexdigest()
    full = full_refresh or not recorded.build
    return IngestPlan(actions, on_disk, states, recorded, rules, build_key, full, reason, notes)


def record_build(database: Path, plan: IngestPlan, line_counts: dict[str, int]) -> None:
    """After a successful build: the inventory of the files the database now holds, and the
    build itself (what decides whether the next run has anything to do)."""
    import duckdb

    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for path, action in sorted(plan.actions.items()):
        if action == "drop":
            continue
        state = plan.states.get(path)
        known = plan.recorded.files.get(path, {})
        rows.append(
            (
                path,
                state.size_bytes if state else known.get("size_bytes"),
                state.modified_ns if state else known.get("modified_ns"),
                state.fingerprint if state else known.get("fingerprint"),
                plan.on_disk[path],
                line_counts.get(path, known.get("line_count")),
                now if action == "read" else known.get("ingested_at", now),
            )
        )
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            f"create or replace table {INVENTORY_TABLE} (source_file varchar, size_bytes bigint, "
            "modified_ns bigint, fingerprint varchar, on_disk boolean, line_count bigint, "
            "ingested_at timestamp)"
        )
        if rows:
            connection.executemany(
                f"insert into {INVENTORY_TABLE} values (?, ?, ?, ?, ?, ?, ?)", rows
            )
        connection.execute(
            f"create or replace table {BUILD_TABLE} as select ? as build_key, "
            "? as rules_version, ? as seeds_version, ? as finished_at",
            [plan.build_key, plan.rules_version, seeds_version(), now],
        )


def plan_run_inputs(run_plan, options, say) -> IngestPlan | None:
    """DuckDB on a trace or on raw logs: which files to read, keep and drop, from the
    database's inventory, handed to dbt (None for the other engines and inputs, and for make
    normalize, which read everything every time)."""
    logs = run_plan.input_kind == "agent_logs"
    if options.engine != "duckdb" or options.normalized:
        return None
    if run_plan.input_kind != "trace" and not logs:
        return None
    settings = {"on_bad_lines": options.on_bad_lines, "project": project_version()}
    settings["prices"] = run_plan.prices.sha256
    if logs:
        settings["keep_history"] = bool(options.keep_history)
    ingest = make_plan(
        run_plan.files,
        run_plan.lock,
        settings,
        full_refresh=options.full_refresh,
        keep_history=bool(options.keep_history) and not logs,
        rules=log_reading_rules_version(run_plan.env) if logs else None,
    )
    say(f"  inputs: {ingest.summary()}")
    if logs and options.keep_history and ingest.files("drop"):
        ingest.notes.append("the steps of the logs gone from disk are kept (KEEP_HISTORY)")
    for note in ingest.notes:
        say(f"  note: {note}")
    plan_path = Path(options.target_path) / ("log_plan.csv" if logs else "trace_plan.csv")
    ingest.write_csv(plan_path)
    if logs:  # a build that reads every file builds the lines anew, without the plan
        run_plan.env["TRACE_ATLAS_LOG_PLAN"] = (
            "" if ingest.full_refresh else str(plan_path.resolve())
        )
        return ingest
    run_plan.env["TRACE_ATLAS_PLAN"] = str(plan_path.resolve())
    # the models read the files from the plan: the same value every time keeps dbt's parse
    run_plan.env["TRACE_ATLAS_TRACE"] = ""
    return ingest


def output_stamp(ingest: IngestPlan | None, no_plots: bool) -> dict:
    """What run_manifest.json says of the build its outputs come from."""
    return {} if ingest is None else {"build_key": ingest.build_key, "figures": not no_plots}


def outputs_current(out: Path, ingest: IngestPlan, no_plots: bool) -> bool:
    """The output folder holds the outputs of this very build (and figures if asked)."""
    try:
        written = json.loads((out / "run_manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    stamp = output_stamp(ingest, no_plots)
    return (out / ".trace_atlas_output").is_file() and all(
        written.get(key) == value for key, value in stamp.items()
    )
