"""Run the experiment end to end: check the inputs, dbt build, then write the outputs.

This is what `make run` calls. In order:

1. Cheap checks, before dbt starts (one line each, exit code 2): the trace files exist and are
   files with content, the prebuilt database exists, the output folder is new, empty or one
   Trace Atlas wrote, the engine is installed.
2. A lock beside the database (or the Spark folder), so that a second run on it stops at once
   (exit code 3) instead of waiting or interfering.
3. `dbt build` (models, data tests, unit tests), its progress shown as one line per phase with
   counts and times; dbt's full log goes to logs/dbt.log. Meanwhile a thread hashes the input
   files for run_manifest.json.
4. Only when everything passed: scripts/write_outputs.py writes the files, the figures and the
   provenance into the output folder, replacing it as a whole.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import agent_logs  # agent_logs (issue 11)
import ingest_plan
import input_files

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "target/trace_atlas.duckdb"
DEFAULT_TRACE = "data/default/trace.jsonl"
DEFAULT_OUT = "output/cache_hit_ratio"
DEFAULT_SPARK_DIR = "target/spark"
DEFAULT_CLUSTER_DIR = "target/spark-cluster"
ENGINES = ("duckdb", "spark", "spark-cluster")
ERROR_EVENTS = (
    "RunResultError",
    "RunResultFailure",
    "MainEncounteredError",
    "GenericExceptionOnRun",
)
RESULT_EVENTS = ("LogModelResult", "LogTestResult", "LogSeedResult")
DBT_LABELS = ("Failure in", "Runtime Error", "Compilation Error", "compiled code")
PHASES = ("seeds", "staging", "intermediate", "marts")  # the models/ folders, in build order


class RunError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def say(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- checks before any work


def check_output_folder(out: Path) -> None:
    marker = out / ".trace_atlas_output"
    if out.exists() and not out.is_dir():
        raise RunError(f"OUT={out} is a file; give a folder for the outputs.")
    if out.is_dir() and not marker.exists() and any(out.iterdir()):
        raise RunError(
            f"OUT={out} holds files Trace Atlas did not write; give a new or empty folder."
        )


def spark_problem() -> str | None:
    if (
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None
    ):
        return "the Spark engine is not installed: make venv-spark"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "the Spark engine needs a Java runtime (17+) on PATH or JAVA_HOME"
    return None


@dataclass
class Plan:
    """What the run reads and where it writes, settled before dbt starts."""

    input_kind: str
    files: list[str]
    target: str
    lock: Path
    lock_setting: str
    env: dict[str, str] = field(default_factory=dict)
    spark_dir: Path = Path(DEFAULT_SPARK_DIR)
    driver_ui: str | None = None
    logs: list[agent_logs.AgentLogs] = field(default_factory=list)  # agent_logs (issue 11)
    select: list[str] = field(default_factory=list)  # agent_logs (issue 11)


def cluster_directory() -> Path:
    return Path(os.environ.get("TRACE_ATLAS_SPARK_CLUSTER_DIR", DEFAULT_CLUSTER_DIR))


def plan_cluster(plan: Plan) -> None:
    """The running cluster of scripts/spark_cluster.py: its Thrift server and warehouse."""
    import spark_cluster

    directory = cluster_directory()
    state = spark_cluster.load_state(directory.resolve())
    if state is None:
        raise RunError(
            f"no Spark cluster is running from {directory}: start one with make spark-cluster-up"
        )
    plan.target, plan.lock, plan.lock_setting = (
        "spark_cluster",
        directory,
        "TRACE_ATLAS_SPARK_CLUSTER_DIR",
    )
    plan.spark_dir, plan.driver_ui = directory, state.driver_ui
    plan.env["TRACE_ATLAS_SPARK_THRIFT_HOST"] = state.thrift_host
    plan.env["TRACE_ATLAS_SPARK_THRIFT_PORT"] = str(state.thrift_port)


def plan_run(args: argparse.Namespace) -> Plan:
    database = Path(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE))
    spark_dir = Path(os.environ.get("TRACE_ATLAS_SPARK_DIR", DEFAULT_SPARK_DIR))
    if args.engine != "duckdb":
        problem = spark_problem()
        if problem:
            raise RunError(f"{problem}.")
        if args.db_input:
            raise RunError("a prebuilt trace database is read by the DuckDB engine only.")
    if not args.normalized:  # agent_logs (issue 11): make normalize writes no output folder
        check_output_folder(Path(args.out))
    if args.claude_logs or args.codex_logs:  # --- agent_logs (issue 11) ---
        plan = plan_agent_logs(args, database)
    elif args.db_input:
        db_path = Path(args.db_input).resolve()
        if not db_path.is_file():
            raise RunError(f"trace database {args.db_input} not found.")
        env = {"TRACE_ATLAS_INPUT": "trace_db", "TRACE_ATLAS_INPUT_DB": str(db_path)}
        plan = Plan("trace_db", [str(db_path)], "duckdb_from_db", database, "TRACE_ATLAS_DB", env)
    else:
        try:
            files = input_files.resolve(args.trace, Path.cwd())
        except input_files.InputError as error:
            raise RunError(str(error)) from None
        if any("," in path for path in files):
            raise RunError("a trace file name holds a comma; rename it (commas separate files).")
        env = {"TRACE_ATLAS_INPUT": "trace", "TRACE_ATLAS_TRACE": ",".join(files)}
        plan = Plan("trace", files, "duckdb", database, "TRACE_ATLAS_DB", env)
    if args.engine == "spark":
        plan.target, plan.lock, plan.lock_setting = "spark", spark_dir, "TRACE_ATLAS_SPARK_DIR"
        plan.spark_dir = spark_dir
        plan.env["SPARK_LOCAL_IP"] = os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")
    if args.engine == "spark-cluster":
        plan_cluster(plan)
    plan.env["TRACE_ATLAS_ON_BAD_LINES"] = args.on_bad_lines
    return plan


# --- agent_logs (issue 11): raw Claude Code / Codex logs (helpers in scripts/agent_logs.py) ---


def plan_agent_logs(args: argparse.Namespace, database: Path) -> Plan:
    """Raw agent logs: the folders checked (they exist and hold logs), their files listed."""
    if args.db_input:
        raise RunError("give either agent log folders or a trace database, not both.")
    try:
        env, found = agent_logs.plan(args.claude_logs, args.codex_logs, args.include_content)
    except agent_logs.LogsError as error:
        raise RunError(str(error)) from None
    files = [path for logs in found for path in logs.files]
    plan = Plan("agent_logs", files, "duckdb", database, "TRACE_ATLAS_DB", env)
    plan.logs = found
    return plan


# --- end agent_logs ---


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
            raise RunError(
                f"another Trace Atlas run holds {database} ({holder}). Wait for it to finish, "
                f"or give this run its own with {setting}=<path>.",
                code=3,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- dbt, summarised


@dataclass
class Progress:
    """Counts and times per phase, from dbt's JSON log events (node timestamps)."""

    counts: dict[str, int] = field(default_factory=dict)
    spans: dict[str, list[str]] = field(default_factory=dict)
    tests: dict[str, int] = field(default_factory=dict)
    failed_tests: list[str] = field(default_factory=list)

    def event(self, name: str, data: dict) -> None:
        info = data.get("node_info", {})
        if name in ("LogModelResult", "LogSeedResult"):
            phase = node_phase(info.get("node_path", ""), info.get("resource_type", ""))
            self.counts[phase] = self.counts.get(phase, 0) + 1
            span = self.spans.setdefault(phase, [info["node_started_at"], info["node_finished_at"]])
            span[0] = min(span[0], info["node_started_at"])
            span[1] = max(span[1], info["node_finished_at"])
        elif name == "LogTestResult":
            status = str(data.get("status") or info.get("node_status")).lower()
            self.tests[status] = self.tests.get(status, 0) + 1
            if status not in ("pass", "success", "warn"):
                self.failed_tests.append(info.get("node_name", "?"))

    def lines(self) -> list[str]:
        shown = []
        for phase in PHASES:
            if phase in self.counts:
                start, end = (datetime.fromisoformat(stamp) for stamp in self.spans[phase])
                noun = "files" if phase == "seeds" else "models"
                shown.append(
                    f"  {phase:<13} {self.counts[phase]:>3} {noun:<7} "
                    f"{(end - start).total_seconds():6.1f} s"
                )
        total = sum(self.tests.values())
        warned = self.tests.get("warn", 0)
        failed = len(self.failed_tests)
        verdict = f"  tests         {total:>3} checks: {total - warned - failed} passed"
        verdict += f", {warned} warned" if warned else ""
        verdict += f", {failed} failed ({', '.join(self.failed_tests[:3])})" if failed else ""
        return [*shown, verdict]


def node_phase(node_path: str, resource_type: str) -> str:
    if resource_type == "seed":
        return "seeds"
    top = node_path.split("/")[0]
    return top if top in PHASES else "marts"


def dbt_command(
    plan: Plan, target_path: str | None, full_refresh: bool = False, seeds_loaded: bool = False
) -> list[str]:
    """dbt build of the models and their data tests. The unit tests (the SQL's logic on fixed
    rows, not the data) are run by `make test`, not by every build; seeds the database holds
    as they are, loaded and tested by an earlier build, are not loaded again."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "--log-format", "json", "--no-use-colors", "build"]
    command += ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    command += ["--target", plan.target, "--exclude", "test_type:unit"]
    if seeds_loaded:
        command.append("resource_type:seed")
    if full_refresh:
        command.append("--full-refresh")
    if target_path:
        command += ["--target-path", target_path]
    if plan.select:  # agent_logs (issue 11): make normalize builds only what the export reads
        command += ["--select", *plan.select, "--indirect-selection", "cautious"]
    return command


def run_dbt(
    plan: Plan,
    target_path: str | None,
    reader: str = "exact",
    ingest: ingest_plan.IngestPlan | None = None,
) -> tuple[bool, list[str]]:
    """dbt build, its progress summarised; (passed, the error messages to show)."""
    progress = Progress()
    errors: list[str] = []
    full_refresh = ingest.full_refresh if ingest else truthy("TRACE_ATLAS_FULL_REFRESH")
    seeds_loaded = ingest is not None and ingest.seeds_loaded
    with subprocess.Popen(
        dbt_command(plan, target_path, full_refresh, seeds_loaded),
        env=os.environ | plan.env | {"TRACE_ATLAS_READER": reader},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            handle_log_line(line, progress, errors)
    for line in progress.lines():
        say(line)
    return process.returncode == 0, errors


def handle_log_line(line: str, progress: Progress, errors: list[str]) -> None:
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        if line.strip():
            errors.append(line.strip())
        return
    name, data = event["info"]["name"], event.get("data", {})
    level = event["info"].get("level")
    progress.event(name, data)
    if name in ERROR_EVENTS or (level == "error" and name not in RESULT_EVENTS):
        errors.append(event["info"].get("msg", ""))


def explain_failure(errors: list[str]) -> str:
    """The line a person needs: a bad trace line, a reader error, or dbt's first error."""
    lines = [line.strip() for line in "\n".join(errors).splitlines() if line.strip()]
    for line in lines:
        if "Bad trace line:" in line:
            return line[line.index("Bad trace line:") :]
    meaningful = [
        line
        for line in lines
        if not line.startswith(DBT_LABELS) and not line.startswith(("Encountered an error", ">"))
    ]
    return meaningful[0] if meaningful else f"dbt build failed (see {dbt_log_path()})"


# ---------------------------------------------------------------- a cluster's executors


def cluster_snapshot(plan: Plan):  # -> spark_cluster.Application | None
    if plan.driver_ui is None:
        return None
    import spark_cluster

    try:
        return spark_cluster.application(plan.driver_ui)
    except spark_cluster.ClusterError as error:
        raise RunError(str(error)) from None


def cluster_report(plan: Plan, before) -> dict:
    """spark.master and spark.executors (those that ran tasks during the build); a build that
    ran on a local master instead of the cluster is an error."""
    if before is None:
        return {}
    import spark_cluster

    usage = spark_cluster.executor_usage(before, spark_cluster.application(plan.driver_ui))
    say(f"  spark.master {usage.master}, {usage.executors} executor(s) ran tasks")
    if usage.master.startswith("local") or usage.executors == 0:
        raise RunError(
            f"the build did not run on the cluster (master {usage.master}, "
            f"{usage.executors} executors ran tasks)",
            code=1,
        )
    return {"spark.master": usage.master, "spark.executors": usage.executors}


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Build the cache-hit-ratio experiment with dbt on a normalized trace (or a prebuilt "
            "trace database) and write its tables, figures and provenance into one folder."
        )
    )
    parser.add_argument(
        "--trace",
        default=os.environ.get("TRACE_ATLAS_TRACE", DEFAULT_TRACE),
        help="trace file(s): a path, a glob, or several separated by commas (.jsonl, .jsonl.gz)",
    )
    parser.add_argument("--db-input", default="", help="a prebuilt trace database to read instead")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--on-bad-lines",
        choices=["strict", "quarantine"],
        default=os.environ.get("TRACE_ATLAS_ON_BAD_LINES", "strict"),
        help="strict (default): the first bad line stops the run; quarantine: set bad lines aside",
    )
    parser.add_argument("--no-plots", action="store_true", help="write no figures")
    parser.add_argument("--target-path", default=None, help="dbt's target folder (default target/)")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=os.environ.get("TRACE_ATLAS_ENGINE", "duckdb"),
        help="duckdb (default, embedded), spark (local Apache Spark; make venv-spark, Java 17) "
        "or spark-cluster (the cluster of make spark-cluster-up, through its Thrift server)",
    )
    # --- agent_logs (issue 11) ---
    parser.add_argument(
        "--claude-logs",
        default="",
        help="raw Claude Code logs: a projects folder (e.g. ~/.claude/projects), or several "
        "separated by commas; read instead of a trace",
    )
    parser.add_argument(
        "--codex-logs",
        default="",
        help="raw Codex logs: a sessions folder (e.g. ~/.codex/sessions; archived_sessions beside "
        "it is read too), or several separated by commas",
    )
    parser.add_argument(
        "--mine",
        action="store_true",
        help="read this user's own logs at the agents' default places (CLAUDE_CONFIG_DIR or "
        "~/.claude/projects, ~/.config/claude/projects; CODEX_HOME or ~/.codex/sessions)",
    )
    parser.add_argument(
        "--normalized",
        default="",
        help="write the steps of the agent logs as normalized JSONL to this file (.jsonl or "
        ".jsonl.gz) instead of the experiment's outputs",
    )
    parser.add_argument(
        "--include-content",
        action="store_true",
        help="with --normalized: write each tool call's raw input too (off by default)",
    )
    # --- end agent_logs ---
    parser.add_argument(
        "--from-environment",
        action="store_true",
        help="take the options from make's variables in the environment: TRACE, DB, OUT, "
        "ON_BAD_LINES, NO_PLOTS, ENGINE, CLAUDE_LOGS, CODEX_LOGS, NORMALIZED, INCLUDE_CONTENT "
        "(so that no path goes through the shell's quoting)",
    )
    args = parser.parse_args(argv)
    if args.from_environment:
        apply_make_variables(args, parser)
    return args


def apply_make_variables(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Options from `make run`'s variables, checked like the command-line ones."""
    env = os.environ
    args.trace = env.get("TRACE") or args.trace
    args.db_input = env.get("DB", "")
    args.out = env.get("OUT") or args.out
    args.no_plots = env.get("NO_PLOTS", "0").lower() in ("1", "yes", "true")
    mode, engine = env.get("ON_BAD_LINES") or args.on_bad_lines, env.get("ENGINE") or args.engine
    if mode not in ("strict", "quarantine"):
        parser.error(f"ON_BAD_LINES must be strict or quarantine, not {mode!r}")
    if engine not in ENGINES:
        parser.error(f"ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    args.on_bad_lines, args.engine = mode, engine
    # agent_logs (issue 11)
    args.claude_logs = env.get("CLAUDE_LOGS") or args.claude_logs
    args.codex_logs = env.get("CODEX_LOGS") or args.codex_logs
    args.normalized = env.get("NORMALIZED") or args.normalized
    args.include_content = args.include_content or env.get("INCLUDE_CONTENT", "0").lower() in (
        "1",
        "yes",
        "true",
    )
    # issue 12: FULL_REFRESH=1 reads every file again; KEEP_HISTORY=0/1 (default: on for mine)
    for name in ("FULL_REFRESH", "KEEP_HISTORY"):
        if env.get(name, "").strip():
            os.environ[f"TRACE_ATLAS_{name}"] = env[name].strip()


def truthy(name: str) -> bool:
    return os.environ.get(name, "0").strip().lower() in ("1", "yes", "true")


def plan_ingestion(
    args: argparse.Namespace, plan: Plan, target_dir: Path
) -> ingest_plan.IngestPlan | None:
    """DuckDB on a trace: which files to read, keep and drop, from the database's inventory
    (None for the other engines and inputs, which read everything every time)."""
    if args.engine != "duckdb" or plan.input_kind != "trace":
        return None
    settings = {"on_bad_lines": args.on_bad_lines, "project": ingest_plan.project_version()}
    ingest = ingest_plan.make_plan(
        plan.files,
        plan.lock,
        settings,
        full_refresh=truthy("TRACE_ATLAS_FULL_REFRESH"),
        keep_history=truthy("TRACE_ATLAS_KEEP_HISTORY"),
    )
    say(f"  inputs: {ingest.summary()}")
    for note in ingest.notes:
        say(f"  note: {note}")
    plan_path = target_dir / "trace_plan.csv"
    ingest.write_csv(plan_path)
    plan.env["TRACE_ATLAS_PLAN"] = str(plan_path.resolve())
    # the models read the files from the plan: the same value every time keeps dbt's parse
    plan.env["TRACE_ATLAS_TRACE"] = ""
    return ingest


def up_to_date(ingest: ingest_plan.IngestPlan | None, target_dir: Path) -> bool:
    """Nothing to read or drop, the same project and options as the last successful build,
    and that build's dbt artifacts at hand for the writer."""
    return (
        ingest is not None
        and ingest.up_to_date
        and (target_dir / "manifest.json").is_file()
        and (target_dir / "run_results.json").is_file()
    )


def build(
    args: argparse.Namespace,
    plan: Plan,
    ingest: ingest_plan.IngestPlan | None,
    hasher: input_files.Hasher,
    timings: dict[str, float],
) -> dict:
    """dbt build: with the fast reader first when it may serve, again with the exact one if
    it declines or its line counts disagree with the files'; nothing when up to date."""
    target_dir = Path(args.target_path or "target")
    if up_to_date(ingest, target_dir):
        finished = f"{ingest.recorded.build['finished_at']:%Y-%m-%d %H:%M:%S} UTC"
        say(f"  up to date: nothing changed since the build of {finished}; no dbt build")
        return {}
    say(f"dbt build (full log: {dbt_log_path()})")
    before = cluster_snapshot(plan)
    clock = time.perf_counter()
    # TRACE_ATLAS_READER=exact: never the fast reader (e.g. to compare the two)
    may_be_fast = os.environ.get("TRACE_ATLAS_READER", "fast") != "exact"
    reader = "fast" if may_be_fast and ingest is not None and ingest.files("read") else "exact"
    passed, errors = run_dbt(plan, args.target_path, reader, ingest)
    timings[f"dbt.{reader}"] = time.perf_counter() - clock
    if reader == "fast":
        hasher.join()
        clock = time.perf_counter()
        doubt = fast_reader_doubt(passed, errors, ingest, hasher, plan.lock)
        timings["verify"] = time.perf_counter() - clock
        if doubt:
            say(f"  exact reader: {doubt}")
            clock = time.perf_counter()
            passed, errors = run_dbt(plan, args.target_path, "exact", ingest)
            timings["dbt.exact"] = time.perf_counter() - clock
    extra = cluster_report(plan, before)
    if not passed:
        raise RunError(
            f"{explain_failure(errors)}\nno output was written; {args.out} was left as it was.",
            code=1,
        )
    if ingest is not None:
        ingest_plan.record_build(plan.lock, ingest, built_line_counts(plan.lock))
    return extra


def fast_reader_doubt(
    passed: bool,
    errors: list[str],
    ingest: ingest_plan.IngestPlan,
    hasher: input_files.Hasher,
    database: Path,
) -> str | None:
    """Why the fast reader's build cannot stand (None when it can): it declined a line, the
    build failed (the exact reader says why, with the line), or a file's lines as counted
    byte by byte differ from the lines it read (blank lines, which it skips, a lone carriage
    return, a line too long)."""
    if not passed:
        declined = [line for line in errors if "TRACE_ATLAS_FAST_READER_DECLINED" in line]
        if declined:
            reason = declined[0].split("TRACE_ATLAS_FAST_READER_DECLINED: ", 1)[-1]
            return reason.splitlines()[0]
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


def built_line_counts(database: Path) -> dict[str, int]:
    """Lines per trace file in the database just built (stg_trace__files)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return dict(
            connection.execute("select source_file, line_count from stg_trace__files").fetchall()
        )


def max_line_bytes() -> int:
    """var max_line_bytes of dbt_project.yml."""
    import yaml

    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(project["vars"]["max_line_bytes"])


def write_timings(target_dir: Path, timings: dict[str, float]) -> None:
    """Seconds per phase of this run, for the benchmark: target/run_timings.json."""
    target_dir.mkdir(parents=True, exist_ok=True)
    rounded = {name: round(seconds, 3) for name, seconds in timings.items()}
    (target_dir / "run_timings.json").write_text(json.dumps(rounded, indent=1) + "\n")


def write(args: argparse.Namespace, plan: Plan, started_at: str, extra: dict) -> int:
    import write_outputs

    target_dir = Path(args.target_path or "target")
    options = {
        "on_bad_lines": args.on_bad_lines,
        "input_kind": plan.input_kind,
        "started_at": started_at,
        "extra": extra,
    }
    options_path = target_dir / "run_options.json"
    options_path.write_text(json.dumps(options), encoding="utf-8")
    writer_args = [
        "--out", args.out,
        "--database", str(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE)),
        "--manifest", str(target_dir / "manifest.json"),
        "--engine", "duckdb" if args.engine == "duckdb" else "spark",
        "--spark-dir", str(plan.spark_dir),
        "--hashes", str(target_dir / "input_hashes.json"),
        "--run-options", str(options_path),
        "--quiet",
    ]  # fmt: skip
    if args.no_plots:
        writer_args.append("--no-plots")
    return write_outputs.main(writer_args)


def anchor_paths(args: argparse.Namespace, invoked_from: Path) -> None:
    """Paths given by the user are relative to the folder they ran the script from; the
    defaults (and make's variables: make runs in the project folder) to the project."""

    def anchored(path: str) -> str:
        return path if not path or os.path.isabs(path) else str(invoked_from / path)

    if args.trace != DEFAULT_TRACE:
        args.trace = ",".join(anchored(part.strip()) for part in args.trace.split(","))
    if args.out != DEFAULT_OUT:
        args.out = anchored(args.out)
    args.db_input = anchored(args.db_input)
    if args.target_path:
        args.target_path = anchored(args.target_path)


def history_line(out: Path) -> str:
    """What make mine keeps: the steps of deleted logs (the audit's count) and where."""
    import csv

    with open(out / "cache_hit_ratio_step_audit.csv", encoding="utf-8", newline="") as handle:
        counts = {row["item"]: row["count"] for row in csv.DictReader(handle)}
    database = os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE)
    if not truthy("TRACE_ATLAS_KEEP_HISTORY"):
        return f"  history: off (KEEP_HISTORY=0): only the logs on disk; database {database}"
    kept = counts.get("steps_from_deleted_logs", "0")
    return f"  history: {kept} steps kept from logs deleted since they were read, in {database}"


def history_database() -> Path:
    """make mine's database: $XDG_DATA_HOME/trace-atlas/mine.duckdb (else under
    ~/.local/share), where the steps of deleted agent logs are kept between runs."""
    data_home = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local/share")
    return Path(data_home) / "trace-atlas" / "mine.duckdb"


def dbt_log_path() -> Path:
    """Where dbt writes its log: DBT_LOG_PATH if set, else the project's logs/ folder."""
    return Path(os.environ.get("DBT_LOG_PATH") or PROJECT_DIR / "logs") / "dbt.log"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    anchor_paths(args, Path.cwd())
    os.chdir(PROJECT_DIR)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    timings: dict[str, float] = {}
    try:
        if args.mine:  # agent_logs (issue 11): this user's logs, or where none were found
            places = agent_logs.find_mine()
            if places is None:
                return 0
            args.claude_logs, args.codex_logs = places
            # issue 12: the steps of logs the agents delete are kept, in the user's data folder
            os.environ.setdefault("TRACE_ATLAS_KEEP_HISTORY", "1")
            os.environ.setdefault("TRACE_ATLAS_DB", str(history_database()))
        if args.normalized and not (args.claude_logs or args.codex_logs):
            raise RunError("NORMALIZED needs agent logs: give CLAUDE_LOGS and/or CODEX_LOGS.")
        plan = plan_run(args)
        size = sum(os.path.getsize(path) for path in plan.files)
        say(f"trace atlas: {len(plan.files)} input file(s), {size / 1e6:,.1f} MB, {args.engine}")
        for logs in plan.logs:  # agent_logs (issue 11): what was found, per agent
            say(f"  {logs.describe()}")
        if args.normalized:
            plan.select = list(agent_logs.NORMALIZED_MODELS)
        with database_lock(plan.lock, plan.lock_setting):
            target_dir = Path(args.target_path or "target")
            ingest = plan_ingestion(args, plan, target_dir)
            census_paths = ingest.files("read") if ingest else []
            hasher = input_files.Hasher(plan.files, target_dir / "input_hashes.json", census_paths)
            hasher.start()
            timings["plan"] = time.perf_counter() - started
            extra = build(args, plan, ingest, hasher, timings)
            hasher.join()
            if args.normalized:  # agent_logs (issue 11): the steps as normalized JSONL
                status = agent_logs.write_normalized(args, Path(args.target_path or "target"))
                say(f"done in {time.perf_counter() - started:.1f} s")
                return status
            clock = time.perf_counter()
            status = write(args, plan, started_at, extra)
            timings["outputs"] = time.perf_counter() - clock
            if status != 0:
                return status
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    import write_outputs

    timings.update({f"outputs.{name}": seconds for name, seconds in write_outputs.TIMINGS.items()})
    timings["total"] = time.perf_counter() - started
    write_timings(Path(args.target_path or "target"), timings)
    out = Path(args.out).resolve()
    files = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    say(f"outputs: {out} ({len(files)} files)")
    for line in agent_logs.summary(out) if plan.logs else []:  # agent_logs (issue 11)
        say(line)
    if plan.logs:
        say(history_line(out))
    if args.no_plots:
        say("  no figures (NO_PLOTS): the folder was replaced, so earlier figures are gone too")
    say(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
