"""A run end to end: cheap checks before dbt starts, a lock beside the database or Spark folder,
``dbt build`` in this process (the fast reader first when it may serve) while a thread hashes the
inputs, and only when everything passed the outputs, replacing the folder as a whole."""

from __future__ import annotations

import fcntl
import functools
import importlib.util
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trace_atlas import (
    PROJECT_DIR,
    UserError,
    agent_logs,
    build,
    ingest_plan,
    input_files,
    normalized,
    prices,
    spark_cluster,
)

DEFAULT_DATABASE = "target/trace_atlas.duckdb"
DEFAULT_TRACE = "data/default/trace.jsonl"
DEFAULT_OUT = "output/cache_hit_ratio"
ENGINES = ("duckdb", "spark", "spark-cluster")


say = functools.partial(print, flush=True)


@dataclass
class Options:
    """What the user asked for; paths already absolute (or empty)."""

    trace: str = ""
    db: str = ""
    claude_logs: str = ""
    codex_logs: str = ""
    out: str = ""
    on_bad_lines: str = "strict"
    engine: str = "duckdb"
    no_plots: bool = False
    full_refresh: bool = False
    keep_history: bool | None = None
    normalized: str = ""
    include_content: bool = False
    mine: bool = False
    target_path: str = "target"
    prices: str = ""


@dataclass
class Plan:
    """What the run reads and where it writes, settled before dbt starts."""

    input_kind: str
    files: list[str]
    target: str = "duckdb"
    lock: Path = Path(DEFAULT_DATABASE)
    lock_setting: str = "TRACE_ATLAS_DB"
    env: dict[str, str] = field(default_factory=dict)
    spark_dir: Path = Path("target/spark")
    driver_ui: str | None = None
    logs: list[agent_logs.AgentLogs] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    prices: prices.PriceTable = field(default_factory=prices.PriceTable)


def check_spark() -> None:
    find = importlib.util.find_spec
    if not (find("pyspark") and find("dbt") and find("dbt.adapters.spark")):
        raise UserError("the Spark engine is not installed: make venv-spark.")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise UserError("the Spark engine needs a Java runtime (17+) on PATH or JAVA_HOME.")


def one_input(options: Options) -> str:
    """The kind of input asked for; two kinds at once are refused, none means the default."""
    logs = options.claude_logs or options.codex_logs
    given = {"TRACE": options.trace, "DB": options.db, "CLAUDE_LOGS/CODEX_LOGS": logs}
    named = [name for name, value in given.items() if value]
    if len(named) > 1:
        raise UserError(f"give one input, not {' and '.join(named)}: they are never combined.")
    return {"TRACE": "trace", "DB": "trace_db"}.get(named[0], "agent_logs") if named else "trace"


def plan_run(options: Options) -> Plan:
    database = Path(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE))
    kind = one_input(options)
    if options.normalized and options.engine != "duckdb":
        raise UserError("the normalized export is written by DuckDB only: leave ENGINE unset.")
    if options.engine != "duckdb":
        check_spark()
        if kind == "trace_db":
            raise UserError("a prebuilt trace database is read by the DuckDB engine only.")
    if options.normalized and kind != "agent_logs":
        raise UserError("NORMALIZED needs agent logs: give CLAUDE_LOGS and/or CODEX_LOGS.")
    if not options.normalized:
        from trace_atlas.outputs import check_target_folder

        check_target_folder(Path(options.out))
    if kind == "agent_logs":
        env, found = agent_logs.plan(
            options.claude_logs, options.codex_logs, options.include_content
        )
        files = [path for logs in found for path in logs.files]
        plan = Plan("agent_logs", files, lock=database, env=env, logs=found)
    elif kind == "trace_db":
        db_path = Path(options.db)
        if not db_path.is_file():
            raise UserError(f"trace database {options.db} not found.")
        env = {"TRACE_ATLAS_INPUT": "trace_db", "TRACE_ATLAS_INPUT_DB": str(db_path)}
        plan = Plan("trace_db", [str(db_path)], "duckdb_from_db", database, env=env)
    else:
        files = input_files.resolve(options.trace or DEFAULT_TRACE, PROJECT_DIR)
        if any("," in path for path in files):
            raise UserError("a trace file name holds a comma; rename it (commas separate files).")
        env = {"TRACE_ATLAS_INPUT": "trace", "TRACE_ATLAS_TRACE": ",".join(files)}
        plan = Plan("trace", files, lock=database, env=env)
    if options.engine == "spark":
        spark_dir = Path(os.environ.get("TRACE_ATLAS_SPARK_DIR", "target/spark"))
        plan.target, plan.lock, plan.lock_setting = "spark", spark_dir, "TRACE_ATLAS_SPARK_DIR"
        plan.spark_dir = spark_dir
        plan.env["SPARK_LOCAL_IP"] = os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")
    if options.engine == "spark-cluster":
        spark_cluster.plan_run(plan)
    plan.env["TRACE_ATLAS_ON_BAD_LINES"] = options.on_bad_lines
    plan.env["TRACE_ATLAS_KEEP_HISTORY"] = "1" if options.keep_history else "0"
    if options.normalized:
        plan.select = list(agent_logs.NORMALIZED_MODELS)
    plan.prices = prices.read(options.prices) if options.prices else prices.seed_table()
    return plan


@contextmanager
def database_lock(database: Path, setting: str) -> Iterator[None]:
    """Hold an exclusive lock beside the database; fail fast if another run holds it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    lock_path = database.with_name(database.name + ".run-lock")
    with open(lock_path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            held = f"another Trace Atlas run holds {database} ({holder})"
            wait = f"Wait for it to finish, or give this run its own with {setting}=<path>."
            raise UserError(f"{held}. {wait}", code=3) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        yield  # closing the file releases the lock


def run_dbt(
    plan: Plan, options: Options, reader: str, ingest: ingest_plan.IngestPlan | None
) -> build.Progress:
    """dbt build without unit tests (`make test`) and unchanged seeds, raw logs never in full."""
    arguments = ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    arguments += ["--target", plan.target, "--target-path", options.target_path]
    seeds_loaded = ingest is not None and ingest.seeds_loaded
    arguments += ["--exclude", "test_type:unit", *(["resource_type:seed"] if seeds_loaded else [])]
    trace_plan = ingest is not None and plan.input_kind == "trace"
    if ingest.full_refresh if trace_plan else options.full_refresh:
        arguments.append("--full-refresh")
    arguments += plan.prices.dbt_vars()  # a user's price file (PRICES), as var('prices')
    if plan.select:  # make normalize builds only what the export reads
        arguments += ["--select", *plan.select, "--indirect-selection", "cautious"]
    env = plan.env | {"TRACE_ATLAS_READER": reader}
    progress = build.invoke(arguments, env, dbt_log_path().parent)
    for line in progress.lines():
        say(line)
    return progress


def run_build(
    options: Options,
    plan: Plan,
    ingest: ingest_plan.IngestPlan | None,
    hasher: input_files.Hasher,
    timings: dict[str, float],
) -> dict | None:
    """dbt build, with the fast reader first when it may serve and again with the exact one on
    any doubt; none when up to date (then None when OUT already holds this build's outputs)."""
    target_dir = Path(options.target_path)
    artifacts = ("manifest.json", "run_results.json")  # the writer needs the last build's
    if ingest and ingest.up_to_date and all((target_dir / name).is_file() for name in artifacts):
        finished = f"{ingest.recorded.build['finished_at']:%Y-%m-%d %H:%M:%S} UTC"
        say(f"  up to date: nothing changed since the build of {finished}; no dbt build")
        current = ingest_plan.outputs_current(Path(options.out), ingest, options.no_plots)
        return None if current else {}
    say(f"dbt build (full log: {dbt_log_path()})")
    before = spark_cluster.application(plan.driver_ui) if plan.driver_ui else None
    clock = time.perf_counter()
    may_be_fast = os.environ.get("TRACE_ATLAS_READER", "fast") != "exact"
    may_be_fast = may_be_fast and plan.input_kind == "trace"
    reader = "fast" if may_be_fast and ingest is not None and ingest.files("read") else "exact"
    progress = run_dbt(plan, options, reader, ingest)
    timings[f"dbt.{reader}"] = time.perf_counter() - clock
    if reader == "fast":
        hasher.join()
        doubt = fast_reader_doubt(progress, ingest, hasher, plan.lock)
        if doubt:
            say(f"  exact reader: {doubt}")
            clock = time.perf_counter()
            progress = run_dbt(plan, options, "exact", ingest)
            timings["dbt.exact"] = time.perf_counter() - clock
    extra = spark_cluster.report(plan.driver_ui, before, say) if before else {}
    if not progress.passed:
        kept = f"no output was written; {options.out or 'the output folder'} was left as it was."
        raise UserError(f"{progress.explain(dbt_log_path())}\n{kept}", code=1)
    if ingest is not None:
        logs = plan.input_kind == "agent_logs"
        ingest_plan.record_build(plan.lock, ingest, built_line_counts(plan.lock, logs), logs)
    return extra


def fast_reader_doubt(
    progress: build.Progress,
    ingest: ingest_plan.IngestPlan,
    hasher: input_files.Hasher,
    database: Path,
) -> str | None:
    """Why the fast build cannot stand (or None): a declined line, a failure, or a line count."""
    if not progress.passed:
        declined = [line for line in progress.errors if "TRACE_ATLAS_FAST_READER_DECLINED" in line]
        if declined:
            return declined[0].split("TRACE_ATLAS_FAST_READER_DECLINED: ", 1)[-1].splitlines()[0]
        return "the fast build failed; building again line by line for the diagnosis"
    if hasher.error is not None:
        return f"the files could not be counted ({hasher.error})"
    counted = built_line_counts(database)
    limit = max_line_bytes()
    for path in ingest.files("read"):
        census = hasher.census.get(path)
        if census is None:
            return f"{path} was not counted"
        if census.lone_carriage_return:
            return f"{path} holds a carriage return that is not followed by a line break"
        if census.longest_line_bytes + 2 > limit:
            return f"{path} holds a line of {census.longest_line_bytes:,} bytes"
        if counted.get(path, 0) != census.lines:
            read = counted.get(path, 0)
            return f"{path} has {census.lines:,} lines, {read:,} read as JSON (blank lines?)"
    return None


def built_line_counts(database: Path, logs: bool = False) -> dict[str, int]:
    """Lines per trace file in the database just built (stg_trace__files); for raw logs, per
    file all of whose lines the reader handed over (the ones a later build may read on from)."""
    import duckdb

    query = "select source_file, line_count from stg_trace__files"
    if logs:
        query = (
            "select source_path, max(line_number) from stg_agent_logs__lines"
            " group by source_path having count(reader_problem) = 0"
        )
    with duckdb.connect(str(database), read_only=True) as connection:
        return dict(connection.execute(query).fetchall())


def max_line_bytes() -> int:
    """var fast_reader_max_line_bytes of dbt_project.yml: a longer line goes to the exact reader."""
    import yaml

    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(project["vars"]["fast_reader_max_line_bytes"])


def write(options: Options, **settings) -> tuple[Path, list[str]]:
    """The outputs of the last build in options.target_path (outputs.write_outputs)."""
    from trace_atlas import outputs

    target_dir = Path(options.target_path)
    return outputs.write_outputs(
        Path(options.out),
        database=Path(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE)),
        manifest_path=target_dir / "manifest.json",
        hashes=target_dir / "input_hashes.json",
        no_plots=options.no_plots,
        **settings,
    )


def dbt_log_path() -> Path:
    """Where dbt writes its log: DBT_LOG_PATH if set, else the project's logs/ folder."""
    return Path(os.environ.get("DBT_LOG_PATH") or PROJECT_DIR / "logs") / "dbt.log"


def main(options: Options) -> int:
    """The whole run; its exit code (UserError's, else 0)."""
    os.chdir(PROJECT_DIR)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    timings: dict[str, float] = {}
    try:
        if options.mine and not agent_logs.prepare_mine(options):
            return 0
        plan = plan_run(options)
        size = sum(os.path.getsize(path) for path in plan.files)
        say(f"trace atlas: {len(plan.files)} input file(s), {size / 1e6:,.1f} MB, {options.engine}")
        for logs in plan.logs:
            say(f"  {logs.describe()}")
        with database_lock(plan.lock, plan.lock_setting):
            target_dir = Path(options.target_path)
            ingest = ingest_plan.plan_run_inputs(plan, options, say)
            census = ingest.files("read") if ingest else []
            hasher = input_files.Hasher(plan.files, target_dir / "input_hashes.json", census)
            hasher.start()
            timings["plan"] = time.perf_counter() - started
            extra = run_build(options, plan, ingest, hasher, timings)
            hasher.join()
            if options.normalized:
                memory = os.environ.get("TRACE_ATLAS_DUCKDB_MEMORY", "1GB")
                count = normalized.write(plan.lock, Path(options.normalized), memory)
                say(f"wrote {count:,} steps to {options.normalized}")
                say(f"done in {time.perf_counter() - started:.1f} s")
                return 0
            clock = time.perf_counter()
            if extra is not None:  # else OUT holds this build's outputs already
                extra |= ingest_plan.output_stamp(ingest, options.no_plots)
                extra["prices"] = plan.prices.describe()
                run = {"on_bad_lines": options.on_bad_lines, "input_kind": plan.input_kind}
                run |= {"started_at": started_at, "extra": extra}
                engine = "duckdb" if options.engine == "duckdb" else "spark"
                write(options, engine=engine, spark_dir=plan.spark_dir, run_options=run)
            timings["outputs"] = time.perf_counter() - clock
    except UserError as error:
        print(f"error: {error}", flush=True, file=sys.stderr)
        return error.code
    from trace_atlas import console, outputs

    timings |= {f"outputs.{name}": seconds for name, seconds in outputs.TIMINGS.items()}
    timings["total"] = time.perf_counter() - started
    rounded = {name: round(seconds, 3) for name, seconds in timings.items()}  # for tools/bench.py
    target_dir.mkdir(parents=True, exist_ok=True)
    (target_dir / "run_timings.json").write_text(json.dumps(rounded, indent=1) + "\n")

    for line in console.closing_lines(Path(options.out).resolve(), options, bool(plan.logs)):
        say(line)
    say(f"done in {time.perf_counter() - started:.1f} s")
    return 0
