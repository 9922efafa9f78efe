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
import input_files

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "target/trace_atlas.duckdb"
DEFAULT_SPARK_DIR = "target/spark"
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
    logs: list[agent_logs.AgentLogs] = field(default_factory=list)  # agent_logs (issue 11)
    select: list[str] = field(default_factory=list)  # agent_logs (issue 11)


def plan_run(args: argparse.Namespace) -> Plan:
    database = Path(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE))
    spark_dir = Path(os.environ.get("TRACE_ATLAS_SPARK_DIR", DEFAULT_SPARK_DIR))
    if args.engine == "spark":
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
        plan.env["SPARK_LOCAL_IP"] = os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")
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


def dbt_command(plan: Plan, target_path: str | None) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "--log-format", "json", "--no-use-colors", "build"]
    command += ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    command += ["--target", plan.target]
    if target_path:
        command += ["--target-path", target_path]
    if plan.select:  # agent_logs (issue 11): make normalize builds only what the export reads
        command += ["--select", *plan.select, "--indirect-selection", "cautious"]
    return command


def run_dbt(plan: Plan, target_path: str | None) -> tuple[bool, list[str]]:
    """dbt build, its progress summarised; (passed, the error messages to show)."""
    progress = Progress()
    errors: list[str] = []
    with subprocess.Popen(
        dbt_command(plan, target_path),
        env=os.environ | plan.env,
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
    """The one line a person needs: a bad trace line, a reader error, or dbt's first error."""
    text = "\n".join(errors)
    for line in text.splitlines():
        if "Bad trace line:" in line:
            return line[line.index("Bad trace line:") :].strip()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(DBT_LABELS):
            return stripped
    return "dbt build failed"


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
        default=os.environ.get("TRACE_ATLAS_TRACE", "data/default/trace.jsonl"),
        help="trace file(s): a path, a glob, or several separated by commas (.jsonl, .jsonl.gz)",
    )
    parser.add_argument("--db-input", default="", help="a prebuilt trace database to read instead")
    parser.add_argument("--out", default="output/cache_hit_ratio", help="output folder")
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
        choices=["duckdb", "spark"],
        default=os.environ.get("TRACE_ATLAS_ENGINE", "duckdb"),
        help="duckdb (default, embedded) or spark (local Apache Spark; make venv-spark, Java 17)",
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
    if engine not in ("duckdb", "spark"):
        parser.error(f"ENGINE must be duckdb or spark, not {engine!r}")
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


def write(args: argparse.Namespace, plan: Plan, started_at: str) -> int:
    import write_outputs

    target_dir = Path(args.target_path or "target")
    options = {
        "on_bad_lines": args.on_bad_lines,
        "input_kind": plan.input_kind,
        "started_at": started_at,
    }
    options_path = target_dir / "run_options.json"
    options_path.write_text(json.dumps(options), encoding="utf-8")
    writer_args = [
        "--out", args.out,
        "--database", str(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE)),
        "--manifest", str(target_dir / "manifest.json"),
        "--engine", args.engine,
        "--spark-dir", str(os.environ.get("TRACE_ATLAS_SPARK_DIR", DEFAULT_SPARK_DIR)),
        "--hashes", str(target_dir / "input_hashes.json"),
        "--run-options", str(options_path),
        "--quiet",
    ]  # fmt: skip
    if args.no_plots:
        writer_args.append("--no-plots")
    return write_outputs.main(writer_args)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(PROJECT_DIR)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if args.mine:  # agent_logs (issue 11): this user's logs, or where none were found
            places = agent_logs.find_mine()
            if places is None:
                return 0
            args.claude_logs, args.codex_logs = places
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
            hasher = input_files.Hasher(plan.files, target_dir / "input_hashes.json")
            hasher.start()
            say(f"dbt build (full log: {PROJECT_DIR / 'logs' / 'dbt.log'})")
            passed, errors = run_dbt(plan, args.target_path)
            if not passed:
                raise RunError(
                    f"{explain_failure(errors)}\n"
                    f"no output was written; {args.out} was left as it was.",
                    code=1,
                )
            hasher.join()
            if args.normalized:  # agent_logs (issue 11): the steps as normalized JSONL
                status = agent_logs.write_normalized(args, Path(args.target_path or "target"))
                say(f"done in {time.perf_counter() - started:.1f} s")
                return status
            status = write(args, plan, started_at)
            if status != 0:
                return status
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    out = Path(args.out).resolve()
    files = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    say(f"outputs: {out} ({len(files)} files)")
    for line in agent_logs.summary(out) if plan.logs else []:  # agent_logs (issue 11)
        say(line)
    if args.no_plots:
        say("  no figures (NO_PLOTS): the folder was replaced, so earlier figures are gone too")
    say(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
