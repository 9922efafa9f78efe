"""Incremental ingestion (README.md, Re-runs): which input files a build reads, keeps or drops,
from the inventory the database records after each build; handed to dbt as a CSV (macros
trace_batch and agent_log_batch). Raw logs' history is kept as steps, not lines."""

from __future__ import annotations

import contextlib
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
LOG_SETTINGS = ("TRACE_ATLAS_CLAUDE_LOGS", "TRACE_ATLAS_CODEX_LOGS", "TRACE_ATLAS_INCLUDE_CONTENT")
PROJECT_FILES = ("dbt_project.yml", "macros", "models", "seeds", "tests")
SEED_FILES = ("dbt_project.yml", "seeds", "macros/seeds.sql")
PROJECT_SUFFIXES = {".yml", ".yaml", ".sql", ".csv", ".md"}
FACTS = ("size_bytes", "modified_ns", "fingerprint")
PLAN_COLUMNS = ("source_file", "action", "on_disk", *FACTS, "lines_kept")
# A raw log that only grew is read from its last line on; more such files than this in one
# build are read in full (each is a scan of its own).
MAX_GROWN_FILES = 64


def file_facts(path: str) -> list:
    """A file on disk: its size, modification time and fingerprint (the inventory's FACTS)."""
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns, fingerprint(path, stat.st_size)]


def fingerprint(path: str, size: int) -> str:
    """sha256 of the size and both ends: a rewrite or growth shows even with the same mtime."""
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(EDGE_BYTES))
        if size > EDGE_BYTES:
            handle.seek(max(EDGE_BYTES, size - EDGE_BYTES))
            digest.update(handle.read(EDGE_BYTES))
    return digest.hexdigest()


def content_hash(path: str, size: int) -> str:
    """sha256 of the file's first `size` bytes (all of it as the build's plan saw it)."""
    digest, left = hashlib.sha256(), size
    with open(path, "rb") as handle:
        while left > 0:
            chunk = handle.read(min(left, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def grown_lines_kept(path: str, size: int, known: dict) -> int | None:
    """For a file that only grew since the last build (its first old-size bytes are the bytes
    read then), the lines the database keeps: all but the last one read, which may have been
    half-written. None when it must be read in full: not grown, or what was read is not on
    record (a file with a line the reader skipped has no line count)."""
    old_size, lines = known.get("size_bytes"), known.get("line_count")
    recorded = known.get("content_sha256")
    if old_size is None or lines is None or recorded is None or lines < 2 or size <= old_size:
        return None
    return lines - 1 if content_hash(path, old_size) == recorded else None


def files_version(names: tuple[str, ...], settings: tuple[str, ...] = ()) -> str:
    """A hash of the project files under names, and of these settings."""
    digest = hashlib.sha256()
    for name in names:
        root = PROJECT_DIR / name
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file() and path.suffix in PROJECT_SUFFIXES:
                digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    for setting in settings:
        digest.update(f"{setting}\0".encode())
    return digest.hexdigest()


def reading_rules_version() -> str:
    """A hash of the project files that decide how a trace line is read and checked."""
    return files_version(READING_RULES)


def log_reading_rules_version(env: dict[str, str]) -> str:
    """The log reading rules' version: the project files and the folder and content settings."""
    return files_version(LOG_READING_RULES, tuple(f"{n}={env.get(n, '')}" for n in LOG_SETTINGS))


@dataclass(frozen=True)
class Recorded:
    """What the database holds from the last successful build (empty when none)."""

    files: dict[str, dict]
    build: dict


def load_recorded(database: Path) -> Recorded:
    if not database.is_file():
        return Recorded({}, {})
    import duckdb

    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            files = connection.sql(f"select * from {INVENTORY_TABLE}")
            build = connection.sql(f"select * from {BUILD_TABLE}")
            rows = [dict(zip(files.columns, row, strict=True)) for row in files.fetchall()]
            builds = [dict(zip(build.columns, row, strict=True)) for row in build.fetchall()]
    except duckdb.Error:  # a database no build recorded (e.g. a new one)
        return Recorded({}, {})
    return Recorded({row["source_file"]: row for row in rows}, builds[0] if builds else {})


@dataclass
class IngestPlan:
    """What this build reads, keeps and drops."""

    actions: dict[str, str]  # path -> read | grow | keep | drop
    on_disk: dict[str, bool]
    states: dict[str, list]  # path -> FACTS of the files given
    recorded: Recorded
    rules_version: str
    build_key: str
    full_refresh: bool
    reason: str
    notes: list[str] = field(default_factory=list)
    lines_kept: dict[str, int] = field(default_factory=dict)  # path -> lines kept, when grown

    def files(self, action: str) -> list[str]:
        return sorted(path for path, done in self.actions.items() if done == action)

    def facts(self, path: str) -> list:
        """Size, modification time and fingerprint of a file as this build holds it."""
        known = self.recorded.files.get(path, {})
        return self.states.get(path) or [known.get(column) for column in FACTS]

    @property
    def seeds_loaded(self) -> bool:
        """The database holds the seeds as they are (loaded and tested by an earlier build)."""
        seeds = files_version(SEED_FILES)
        return not self.full_refresh and self.recorded.build.get("seeds_version") == seeds

    @property
    def up_to_date(self) -> bool:
        changed = self.full_refresh or self.files("read") or self.files("grow")
        changed = changed or self.files("drop")
        return not changed and self.recorded.build.get("build_key") == self.build_key

    def summary(self) -> str:
        read, keep, drop = self.files("read"), self.files("keep"), self.files("drop")
        gone = sum(1 for path in keep if not self.on_disk[path])
        parts = [f"{len(read)} to read", f"{len(keep) - gone} unchanged"]
        if self.files("grow"):
            parts.insert(1, f"{len(self.files('grow'))} grown, read from their last line on")
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
            for source in sorted(self.actions):
                on_disk = str(self.on_disk[source]).lower()
                kept = self.lines_kept.get(source, "")
                writer.writerow([source, self.actions[source], on_disk, *self.facts(source), kept])


def make_plan(
    files: list[str],
    database: Path,
    settings: dict,
    full_refresh: bool = False,
    keep_history: bool = False,
    rules: str | None = None,
    grow: bool = False,
) -> IngestPlan:
    """Compare the files given with the database's inventory. `settings`: the options that
    change the outputs, not what is read (ON_BAD_LINES); `rules`: the reading rules' version;
    `grow`: a file that only grew is read from its last line on (raw logs)."""
    recorded = load_recorded(database)
    rules = rules or reading_rules_version()
    states = {path: file_facts(path) for path in files}
    reason = ""
    if full_refresh:
        reason = "FULL_REFRESH"
    elif not recorded.files and not recorded.build:
        reason = "first build of this database"
    elif recorded.build.get("rules_version") != rules:
        reason = "the project's reading rules changed since the last build"
        full_refresh = True
    full = full_refresh or not recorded.build
    plan = IngestPlan({}, {}, states, recorded, rules, "", full, reason)
    for path in states:
        known = recorded.files.get(path, {})
        same = plan.facts(path) == [known.get(column) for column in FACTS]
        plan.actions[path] = "keep" if same and not full_refresh else "read"
        plan.on_disk[path] = True
        if grow and not full_refresh and not same and len(plan.lines_kept) < MAX_GROWN_FILES:
            kept = grown_lines_kept(path, states[path][0], known)
            if kept is not None:
                plan.actions[path], plan.lines_kept[path] = "grow", kept
    gone = [path for path in recorded.files if path not in states]
    for path in gone:  # a rebuild starts from the files on disk: history cannot outlive it
        plan.actions[path] = "keep" if keep_history and not full_refresh else "drop"
        plan.on_disk[path] = False
    if keep_history and full_refresh and gone:
        plan.notes.append(f"{len(gone)} file(s) no longer on disk are dropped by the full rebuild")
    # the files the database holds after this build, as they were read
    held = {path: plan.facts(path) for path, action in plan.actions.items() if action != "drop"}
    key_material = {"files": held, "rules": rules, "settings": settings}
    plan.build_key = hashlib.sha256(json.dumps(key_material, sort_keys=True).encode()).hexdigest()
    return plan


def record_build(
    database: Path, plan: IngestPlan, line_counts: dict[str, int], hashed: bool = False
) -> None:
    """After a successful build: the inventory of the files the database holds, and the build.
    `hashed`: each file read is hashed whole, so that a later build can tell it only grew."""
    import duckdb

    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for path, action in sorted(plan.actions.items()):
        known = plan.recorded.files.get(path, {})
        lines = line_counts.get(path) if hashed else line_counts.get(path, known.get("line_count"))
        ingested, digest = known.get("ingested_at", now), known.get("content_sha256")
        if action in ("read", "grow"):
            ingested = now
            digest = None
            if hashed:
                with contextlib.suppress(OSError):  # gone since: read in full next time
                    digest = content_hash(path, plan.facts(path)[0])
        if action != "drop":
            rows.append((path, *plan.facts(path), plan.on_disk[path], lines, ingested, digest))
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            f"create or replace table {INVENTORY_TABLE} (source_file varchar, size_bytes bigint, "
            "modified_ns bigint, fingerprint varchar, on_disk boolean, line_count bigint, "
            "ingested_at timestamp, content_sha256 varchar)"
        )
        if rows:
            insert = f"insert into {INVENTORY_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)"
            connection.executemany(insert, rows)
        connection.execute(
            f"create or replace table {BUILD_TABLE} as select ? as build_key, "
            "? as rules_version, ? as seeds_version, ? as finished_at",
            [plan.build_key, plan.rules_version, files_version(SEED_FILES), now],
        )


def plan_run_inputs(run_plan, options, say) -> IngestPlan | None:
    """The plan of DuckDB on a trace or raw logs, handed to dbt (else None: everything is read)."""
    kind = run_plan.input_kind
    if options.engine != "duckdb" or options.normalized or kind not in ("trace", "agent_logs"):
        return None
    logs = kind == "agent_logs"
    settings = {"on_bad_lines": options.on_bad_lines, "project": files_version(PROJECT_FILES)}
    settings["prices"] = run_plan.prices.sha256
    if logs:
        settings["keep_history"] = bool(options.keep_history)
    keep = bool(options.keep_history) and not logs  # logs keep their history as steps
    rules = log_reading_rules_version(run_plan.env) if logs else None
    ingest = make_plan(
        run_plan.files, run_plan.lock, settings, options.full_refresh, keep, rules, grow=logs
    )
    say(f"  inputs: {ingest.summary()}")
    if logs and options.keep_history and ingest.files("drop"):
        ingest.notes.append("the steps of the logs gone from disk are kept (KEEP_HISTORY)")
    for note in ingest.notes:
        say(f"  note: {note}")
    plan_path = Path(options.target_path) / ("log_plan.csv" if logs else "trace_plan.csv")
    ingest.write_csv(plan_path)
    if logs:  # a build that reads every file builds the lines anew, without the plan
        log_plan = "" if ingest.full_refresh else str(plan_path.resolve())
        run_plan.env["TRACE_ATLAS_LOG_PLAN"] = log_plan
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
    same = all(written.get(key) == value for key, value in output_stamp(ingest, no_plots).items())
    return same and (out / ".trace_atlas_output").is_file()
