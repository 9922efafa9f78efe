"""Benchmark Trace Atlas against the floor: a bare DuckDB scan of the same trace.

For each trace size the benchmark generates, once, a base trace and an extra trace of 1% of its
steps (another seed, so new sessions) with ``tools/generate_trace.py``, cached in
``<data-dir>`` as ``trace-<steps>.jsonl`` and ``trace-<steps>-add1pct.jsonl`` (the folder is
gitignored). It warms the page cache and the runner (one unmeasured run on the extra trace,
which leaves dbt's partial parse warm), then repeats, interleaved:

1. the floor: a fresh Python process that runs one DuckDB query over the base trace, with the
   same thread count as the project (``profiles.yml``) and an explicit schema of the fields the
   experiment needs (provider, prefix_tokens, newly_append_tokens, timing_events as JSON);
2. the full run: what ``make run`` does, in one process: ``trace-atlas run`` (dbt build,
   then the tables, the figures and the atlas page) on the base trace, with a private database,
   ``--target-path``, dbt log folder and output folder under ``<work-dir>/<steps>/``, and
   ``FULL_REFRESH=1``; the database and the input-hash cache are deleted first, so
   every full run is a first run;
3. the rerun: the same command right after, on the same database, without
   ``FULL_REFRESH`` (nothing new to read);
4. add 1%: the runner on the same database with the base and the extra trace, without
   ``FULL_REFRESH`` (each repetition starts with its own full run, so this run always
   starts from the same state).

Every command runs under ``/usr/bin/time -v`` (wall time; peak RSS, children included; without GNU
time a small Python wrapper reads ``getrusage(RUSAGE_CHILDREN)`` instead). Each runner run is
split into phases from two files of its ``--target-path``: ``run_timings.json`` (the runner's own
phases, whatever keys it holds) and ``run_results.json`` (dbt's build: start-up, seeds, staging,
intermediate, marts, tests, the idle gaps between nodes and the wrap-up; while two nodes run at
once their time is shared equally, so these add up to dbt's invocation). A file the runner did
not write leaves its phases out.

The medians go to stdout as tables with the project's targets (PASS / MISS / not measured) and to
CSV files in ``<results-dir>``: ``bench_summary.csv``, ``bench_phases.csv``, ``bench_runs.csv``
(every repetition) and ``bench_targets.csv``. Ratios (full / floor, rerun / full, add 1% / full)
are the median of each repetition's ratio. Progress lines go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOOLS_DIR = PROJECT_DIR / "tools"
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
GNU_TIME = Path("/usr/bin/time")

POOL_STEPS = 357_161  # the public pool (docs/input_format.md)
BIG_STEPS = 10 * POOL_STEPS
DEFAULT_SIZES = (POOL_STEPS, BIG_STEPS)
QUICK_SIZE = 20_000
DEFAULT_REPEAT = 3
EXTRA_SEED = 1_012  # the extra 1% trace: not the generator's default seed, so new sessions
BYTES_PER_STEP = 1_900  # the generator writes ~1.8 KB per line; used for the disk-space check
DISK_MARGIN_BYTES = 2 * 1024**3
READ_CHUNK_BYTES = 16 * 1024**2
MIB = 1024**2
# Variables that would make the runner read or build something else than the bench asks.
IGNORED_ENV = (
    "TRACE_ATLAS_TRACE",
    "TRACE_ATLAS_INPUT",
    "TRACE_ATLAS_INPUT_DB",
    "TRACE_ATLAS_ENGINE",
    "TRACE_ATLAS_ON_BAD_LINES",
    "FULL_REFRESH",
)
BUSY_LOAD_PER_CORE = 0.5  # a 1-minute load average above this (per core) earns a warning
DEFAULT_THREADS = "2"  # profiles.yml: threads = env TRACE_ATLAS_DUCKDB_THREADS or 2

# Targets of the benchmark issue (12).
TARGET_BIG_OVER_FLOOR = 6.0
TARGET_BIG_PEAK_RSS_BYTES = 2 * 1024**3
TARGET_POOL_SECONDS = 6.0
TARGET_POOL_OVER_FLOOR = 12.0
TARGET_BIG_RERUN_OVER_FULL = 0.25
TARGET_BIG_ADD_OVER_FULL = 0.35
# What the idle-gap, thinking-time and bill experiments may add to a full run.
TARGET_EXPERIMENTS_OVER_REST = 0.15

FLOOR_COLUMNS = {
    "provider": "varchar",
    "prefix_tokens": "bigint",
    "newly_append_tokens": "bigint",
    "timing_events": "json",
}
# count(provider) and count(timing_events) make DuckDB read those two fields as well: with
# projection pushdown, a column that no expression uses is never extracted from the JSON.
FLOOR_SQL = """
select count(*), sum(prefix_tokens), sum(newly_append_tokens),
       count(provider), count(timing_events)
from read_json([{files}], format = 'newline_delimited', columns = {columns})
"""
# Runs in a fresh interpreter: argv = threads, SQL. Prints the query time as JSON.
FLOOR_SCRIPT = """
import json, sys, time
import duckdb
connection = duckdb.connect(config={"threads": int(sys.argv[1])})
connection.execute("set enable_progress_bar = false")
started = time.perf_counter()
row = connection.execute(sys.argv[2]).fetchone()
print(json.dumps({"query_seconds": time.perf_counter() - started, "steps": row[0]}))
"""
# Fallback when /usr/bin/time is missing: argv = report file, command...
RUSAGE_SCRIPT = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as report:
    report.write(f"Maximum resident set size (kbytes): {peak}\\n")
sys.exit(code)
"""

# What each repetition measures, in order.
RUNS = {
    "floor": "floor: a bare DuckDB scan of the base trace",
    "full": "full run: fresh database, FULL_REFRESH=1",
    "rerun": "rerun: the same command again, nothing new",
    "add_1pct": "add 1%: the base trace plus an extra 1% of steps",
}
RUNNER_RUNS = ("full", "rerun", "add_1pct")
NODE_PHASES = ("seeds", "staging", "intermediate", "marts", "tests", "other")
# Phases as (source, name): the process, the runner's run_timings.json, dbt's run_results.json.
WALL = ("process", "wall")
FLOOR_QUERY = ("duckdb", "query")
DBT_PHASES = {
    "dbt_startup": "dbt invocation start to its first node (parse, connection)",
    "seeds": "seed loads",
    "staging": "models named stg_* / base_*",
    "intermediate": "models named int_*",
    "marts": "the other models (marts)",
    "tests": "data tests and unit tests",
    "other": "any other node",
    "dbt_between_nodes": "dbt between nodes (no node running)",
    "dbt_wrapup": "last node end to run_results.json",
    "dbt_build": "dbt invocation start to run_results.json (sum of the dbt rows above)",
    "dbt_experiments": "of the nodes above: the idle-gap, thinking-time and bill experiments'"
    " models and their tests (paths under idle_cost/ or cache_bill/, and the models only"
    " they read), concurrent nodes sharing their time",
}
# The models only the idle-gap, thinking-time and bill experiments read, beside those in their
# own folders (idle_cost/, cache_bill/): what they add to a full run is measured from these.
EXPERIMENT_FOLDERS = ("/idle_cost/", "/cache_bill/", "/prices/")
EXPERIMENT_MODELS = (
    "stg_trace__activity",
    "stg_trace_db__tool_calls",
    "int_step_timing_events",
    "int_step_tool_calls",
)
SUMMARY_COLUMNS = (
    "size_steps",
    "trace_bytes",
    "extra_steps",
    "extra_bytes",
    "repeats",
    "floor_s",
    "floor_query_s",
    "full_s",
    "rerun_s",
    "add_1pct_s",
    "full_over_floor",
    "rerun_over_full",
    "add_1pct_over_full",
    "experiments_s",
    "experiments_over_rest",
    "peak_rss_floor_mib",
    "peak_rss_full_mib",
    "peak_rss_rerun_mib",
    "peak_rss_add_1pct_mib",
    "peak_rss_max_mib",
)
PHASE_COLUMNS = ("size_steps", "run", "source", "phase", "median_s", "description")
RUN_COLUMNS = ("size_steps", "repetition", "run", "seconds", "peak_rss_bytes")
TARGET_COLUMNS = ("target", "measured", "threshold", "status")


class BenchError(Exception):
    """A problem the user can fix; printed without a traceback."""


@dataclass(frozen=True)
class Measured:
    """One command run in a fresh process, with its phases by (source, name)."""

    seconds: float
    peak_rss_bytes: int
    log: Path
    phases: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass(frozen=True)
class Workspace:
    """Where the runs of one trace size keep their database, dbt artifacts, outputs and logs."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "bench.duckdb"

    @property
    def target(self) -> Path:
        return self.root / "target"

    @property
    def dbt_logs(self) -> Path:
        return self.root / "logs"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"


@dataclass
class SizeResult:
    """Every repetition measured on one trace size: run name -> measurement."""

    steps: int
    trace_bytes: int
    extra_steps: int
    extra_bytes: int
    repetitions: list[dict[str, Measured]]

    def median(self, run: str) -> float:
        return statistics.median(rep[run].seconds for rep in self.repetitions)

    def median_ratio(self, run: str, over: str) -> float:
        return statistics.median(rep[run].seconds / rep[over].seconds for rep in self.repetitions)

    def median_rss_mib(self, run: str) -> float:
        return statistics.median(rep[run].peak_rss_bytes for rep in self.repetitions) / MIB

    def max_runner_rss_mib(self) -> float:
        runs = (rep[run] for rep in self.repetitions for run in RUNNER_RUNS)
        return max(run.peak_rss_bytes for run in runs) / MIB

    def phase_medians(self, run: str) -> dict[tuple[str, str], float]:
        """Median seconds per phase, over the repetitions that report it, in first-seen order."""
        keys = dict.fromkeys(key for rep in self.repetitions for key in rep[run].phases)
        return {
            key: statistics.median(
                rep[run].phases[key] for rep in self.repetitions if key in rep[run].phases
            )
            for key in keys
        }


# ---------------------------------------------------------------------------
# Running and measuring commands
# ---------------------------------------------------------------------------


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """A program of the project's virtualenv (or of the running interpreter's)."""
    for folder in (VENV_BIN, Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise BenchError(f"{name} not found in {VENV_BIN}: run `make venv` first.")


def peak_rss_bytes(report: Path) -> int:
    """Peak RSS from a GNU time -v report (or the fallback's one line), in bytes."""
    for line in report.read_text().splitlines():
        if "Maximum resident set size (kbytes):" in line:
            return int(line.rsplit(":", 1)[1]) * 1024
    raise BenchError(f"no peak RSS in {report}")


def log_tail(log: Path, lines: int = 25) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def measure(command: Sequence[str], env: dict[str, str], log: Path) -> Measured:
    """Run command from the project folder in a fresh process; wall time and peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    report = log.with_suffix(".rusage")
    if GNU_TIME.exists():
        wrapped = [str(GNU_TIME), "-v", "-o", str(report), *command]
    else:
        wrapped = [sys.executable, "-c", RUSAGE_SCRIPT, str(report), *command]
    with log.open("w") as output:
        started = time.perf_counter()
        code = subprocess.call(
            wrapped, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        seconds = time.perf_counter() - started
    if code != 0:
        raise BenchError(f"`{' '.join(command)}` exited with {code}; {log}:\n{log_tail(log)}")
    return Measured(seconds, peak_rss_bytes(report), log, {WALL: seconds})


def run_environment(workspace: Workspace) -> dict[str, str]:
    """The environment of `make run`, with the bench's private database and dbt log folder."""
    env = {name: value for name, value in os.environ.items() if name not in IGNORED_ENV}
    return env | {
        "TRACE_ATLAS_DB": str(workspace.database),
        "DBT_LOG_PATH": str(workspace.dbt_logs),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


# ---------------------------------------------------------------------------
# The traces
# ---------------------------------------------------------------------------


def generator_digest() -> str:
    return hashlib.sha256((TOOLS_DIR / "generate_trace.py").read_bytes()).hexdigest()


def check_disk_space(folder: Path, steps: int) -> None:
    needed = steps * BYTES_PER_STEP + DISK_MARGIN_BYTES
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise BenchError(
            f"{steps} steps need ~{needed / 1e9:.1f} GB free in {folder}; "
            f"only {free / 1e9:.1f} GB are free."
        )


def ensure_trace(path: Path, steps: int, seed: int | None, regenerate: bool) -> Path:
    """The cached trace at path, generated first if missing (or if asked)."""
    meta = path.with_name(path.name + ".meta.json")
    if path.exists() and not regenerate:
        recorded = json.loads(meta.read_text()) if meta.exists() else {}
        if recorded.get("generator_sha256") != generator_digest():
            progress(f"warning: {path.name} was made by another generate_trace.py (--regenerate)")
        progress(f"using cached {path} ({path.stat().st_size / 1e6:,.0f} MB)")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    check_disk_space(path.parent, steps)
    partial = path.with_name(f".{path.stem}.partial.jsonl")
    progress(f"generating {steps:,} steps into {path} (once; cached for later runs)")
    command = [tool("python"), str(TOOLS_DIR / "generate_trace.py"), "--steps", str(steps)]
    if seed is not None:
        command += ["--seed", str(seed)]
    if subprocess.call([*command, "-o", str(partial)], cwd=PROJECT_DIR) != 0:
        partial.unlink(missing_ok=True)
        raise BenchError(f"generate_trace.py failed for {steps} steps")
    partial.replace(path)
    recorded = {"steps": steps, "seed": seed, "generator_sha256": generator_digest()}
    meta.write_text(json.dumps(recorded) + "\n")
    return path


def extra_steps(steps: int) -> int:
    return max(1, round(steps / 100))


def warn_if_busy() -> None:
    """Warn when the machine already looks busy before the benchmark starts."""
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load > BUSY_LOAD_PER_CORE * cores:
        progress(f"warning: load average {load:.1f} on {cores} cores: other jobs skew timings")


def warm_page_cache(path: Path) -> None:
    """Read the file once so that every measured run finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(READ_CHUNK_BYTES):
            pass


# ---------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------


def floor_sql(trace: Path) -> str:
    files = "'" + str(trace).replace("'", "''") + "'"
    columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in FLOOR_COLUMNS.items()) + "}"
    return FLOOR_SQL.format(files=files, columns=columns).strip()


def measure_floor(trace: Path, workspace: Workspace, env: dict[str, str]) -> Measured:
    threads = env.get("TRACE_ATLAS_DUCKDB_THREADS", DEFAULT_THREADS)
    command = [tool("python"), "-c", FLOOR_SCRIPT, threads, floor_sql(trace)]
    run = measure(command, env, workspace.log("floor"))
    answer = json.loads(run.log.read_text().strip().splitlines()[-1])
    run.phases[FLOOR_QUERY] = answer["query_seconds"]
    return run


def node_phase(unique_id: str) -> str:
    """The benchmark phase of one dbt node, from its unique_id."""
    resource_type, _, rest = unique_id.partition(".")
    name = rest.partition(".")[2]
    if resource_type == "seed":
        return "seeds"
    if resource_type in ("test", "unit_test"):
        return "tests"
    if resource_type != "model":
        return "other"
    if name.startswith(("stg_", "base_")):
        return "staging"
    if name.startswith("int_"):
        return "intermediate"
    return "marts"


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


def node_intervals(results: list[dict]) -> list[tuple[float, float, str]]:
    """(start, end, phase) of every dbt node that ran, from compile start to execute end."""
    intervals = []
    for result in results:
        timing = result.get("timing") or []
        if timing:
            start = min(epoch(entry["started_at"]) for entry in timing)
            end = max(epoch(entry["completed_at"]) for entry in timing)
            intervals.append((start, end, node_phase(result["unique_id"])))
    return intervals


def shared_node_time(
    intervals: list[tuple[float, float, str]], phases: tuple[str, ...] = NODE_PHASES
) -> dict[str, float]:
    """Seconds per phase, concurrent nodes sharing their time; idle gaps as dbt_between_nodes."""
    shares = dict.fromkeys((*phases, "dbt_between_nodes"), 0.0)
    edges = sorted({moment for start, end, _ in intervals for moment in (start, end)})
    for left, right in itertools.pairwise(edges):
        active = [phase for start, end, phase in intervals if start <= left and end >= right]
        if not active:
            shares["dbt_between_nodes"] += right - left
        for phase in active:
            shares[phase] += (right - left) / len(active)
    return shares


def experiment_nodes(manifest_path: Path) -> set[str]:
    """unique_ids of the experiments' models (by folder or name) and of the tests on them."""
    if not manifest_path.is_file():
        return set()
    nodes = json.loads(manifest_path.read_text()).get("nodes", {})
    models = {
        uid
        for uid, node in nodes.items()
        if node.get("resource_type") == "model"
        and (
            any(folder in "/" + node.get("original_file_path", "") for folder in EXPERIMENT_FOLDERS)
            or node.get("name") in EXPERIMENT_MODELS
        )
    }
    tests = {
        uid
        for uid, node in nodes.items()
        if node.get("resource_type") in ("test", "unit_test")
        and models & set(node.get("depends_on", {}).get("nodes", []))
    }
    return models | tests


def experiments_time(results: list[dict], experiments: set[str]) -> float:
    """Seconds of the experiments' nodes, concurrent nodes sharing their time."""
    intervals = [
        (start, end, "experiments" if result["unique_id"] in experiments else "other")
        for result, (start, end, _) in zip(
            [r for r in results if r.get("timing")], node_intervals(results), strict=True
        )
    ]
    if not intervals:
        return 0.0
    return shared_node_time(intervals, ("experiments", "other"))["experiments"]


def dbt_phases(run_results: Path) -> dict[str, float]:
    """dbt's build split into phases, from its run_results.json (and the experiments' share,
    from the manifest beside it)."""
    document = json.loads(run_results.read_text())
    metadata = document["metadata"]
    invoked, finished = epoch(metadata["invocation_started_at"]), epoch(metadata["generated_at"])
    intervals = node_intervals(document["results"])
    if not intervals:
        return {"dbt_build": finished - invoked}
    first_start = min(start for start, _, _ in intervals)
    last_end = max(end for _, end, _ in intervals)
    experiments = experiment_nodes(run_results.parent / "manifest.json")
    return {
        "dbt_startup": first_start - invoked,
        **shared_node_time(intervals),
        "dbt_wrapup": finished - last_end,
        "dbt_build": finished - invoked,
        "dbt_experiments": experiments_time(document["results"], experiments),
    }


def runner_timings(path: Path) -> dict[str, float]:
    """The runner's own phases, in file order (numbers only)."""
    try:
        timings = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        progress(f"warning: {path} is not JSON ({error}); its phases are left out")
        return {}
    if not isinstance(timings, dict):
        return {}
    return {
        str(name): float(seconds)
        for name, seconds in timings.items()
        if isinstance(seconds, int | float) and not isinstance(seconds, bool)
    }


def measure_runner(
    name: str, traces: Sequence[Path], workspace: Workspace, env: dict[str, str], full: bool
) -> Measured:
    """`make run` in one process: trace-atlas run on traces, into the workspace.

    A full run starts from no database and no input-hash cache, with FULL_REFRESH=1;
    the other runs build on the database (and target folder) the previous run left. The phase
    files count only if this run wrote them (an up-to-date run may leave dbt's untouched)."""
    if full:
        wal = workspace.database.with_name(workspace.database.name + ".wal")
        for stale in (workspace.database, wal, workspace.target / "input_hashes.json"):
            stale.unlink(missing_ok=True)
    command = [tool("python"), "-m", "trace_atlas", "run"]
    command += ["--trace", ",".join(str(trace) for trace in traces)]
    command += ["--out", str(workspace.out), "--target-path", str(workspace.target)]
    run_env = env | {"FULL_REFRESH": "1"} if full else env
    started = time.time()
    run = measure(command, run_env, workspace.log(name))
    phase_files = (
        ("runner", "run_timings.json", runner_timings),
        ("dbt", "run_results.json", dbt_phases),
    )
    for source, file_name, read in phase_files:
        path = workspace.target / file_name
        if path.exists() and path.stat().st_mtime >= started:
            run.phases.update({(source, key): value for key, value in read(path).items()})
    return run


def benchmark_size(steps: int, args: argparse.Namespace) -> SizeResult:
    """Generate (or reuse) the traces, warm up, then repeat floor / full / rerun / add 1%."""
    trace = ensure_trace(args.data_dir / f"trace-{steps}.jsonl", steps, None, args.regenerate)
    extra_path = args.data_dir / f"trace-{steps}-add1pct.jsonl"
    extra = ensure_trace(extra_path, extra_steps(steps), EXTRA_SEED, args.regenerate)
    workspace = Workspace(args.work_dir / str(steps))
    workspace.root.mkdir(parents=True, exist_ok=True)
    env = run_environment(workspace)
    progress(f"{steps:,} steps: warming the page cache and the runner (a run on the extra 1%)")
    warm_page_cache(trace)
    warm_page_cache(extra)
    measure_runner("warmup", [extra], workspace, env, full=True)
    repetitions = []
    for repetition in range(1, args.repeat + 1):
        rep = {"floor": measure_floor(trace, workspace, env)}
        rep["full"] = measure_runner("full", [trace], workspace, env, full=True)
        rep["rerun"] = measure_runner("rerun", [trace], workspace, env, full=False)
        rep["add_1pct"] = measure_runner("add_1pct", [trace, extra], workspace, env, full=False)
        times = ", ".join(f"{run} {rep[run].seconds:.2f} s" for run in RUNS)
        progress(f"{steps:,} steps, repetition {repetition}/{args.repeat}: {times}")
        repetitions.append(rep)
    sizes = trace.stat().st_size, extra.stat().st_size
    return SizeResult(steps, sizes[0], extra_steps(steps), sizes[1], repetitions)


# ---------------------------------------------------------------------------
# Results: medians, targets, tables and CSV files
# ---------------------------------------------------------------------------


def summary_row(result: SizeResult) -> dict[str, float]:
    return {
        "size_steps": result.steps,
        "trace_bytes": result.trace_bytes,
        "extra_steps": result.extra_steps,
        "extra_bytes": result.extra_bytes,
        "repeats": len(result.repetitions),
        "floor_s": result.median("floor"),
        "floor_query_s": result.phase_medians("floor")[FLOOR_QUERY],
        "full_s": result.median("full"),
        "rerun_s": result.median("rerun"),
        "add_1pct_s": result.median("add_1pct"),
        "full_over_floor": result.median_ratio("full", "floor"),
        "rerun_over_full": result.median_ratio("rerun", "full"),
        "add_1pct_over_full": result.median_ratio("add_1pct", "full"),
        "experiments_s": result.phase_medians("full").get(("dbt", "dbt_experiments")),
        "experiments_over_rest": experiments_over_rest(result),
        "peak_rss_floor_mib": result.median_rss_mib("floor"),
        "peak_rss_full_mib": result.median_rss_mib("full"),
        "peak_rss_rerun_mib": result.median_rss_mib("rerun"),
        "peak_rss_add_1pct_mib": result.median_rss_mib("add_1pct"),
        "peak_rss_max_mib": result.max_runner_rss_mib(),
    }


def experiments_over_rest(result: SizeResult) -> float | None:
    """What the idle-gap, thinking-time and bill experiments add to a full run: their dbt node
    time over the rest of the run, the median of each repetition's ratio."""
    ratios = []
    for rep in result.repetitions:
        seconds = rep["full"].phases.get(("dbt", "dbt_experiments"))
        if seconds is not None and rep["full"].seconds > seconds:
            ratios.append(seconds / (rep["full"].seconds - seconds))
    return statistics.median(ratios) if ratios else None


def phase_description(source: str, name: str) -> str:
    if source == "dbt":
        return DBT_PHASES.get(name, "")
    if source == "runner":
        return "the runner's own phase (run_timings.json)"
    if (source, name) == FLOOR_QUERY:
        return "the DuckDB query alone"
    return "the whole process (/usr/bin/time)"


def phase_rows(result: SizeResult) -> list[dict[str, object]]:
    return [
        {
            "size_steps": result.steps,
            "run": run,
            "source": source,
            "phase": name,
            "median_s": seconds,
            "description": phase_description(source, name),
        }
        for run in RUNS
        for (source, name), seconds in result.phase_medians(run).items()
    ]


def run_rows(result: SizeResult) -> list[dict[str, object]]:
    return [
        {
            "size_steps": result.steps,
            "repetition": index,
            "run": run,
            "seconds": rep[run].seconds,
            "peak_rss_bytes": rep[run].peak_rss_bytes,
        }
        for index, rep in enumerate(result.repetitions, start=1)
        for run in RUNS
    ]


def target_rows(summaries: dict[int, dict[str, float]]) -> list[dict[str, object]]:
    pool, big = summaries.get(POOL_STEPS), summaries.get(BIG_STEPS)
    checks = [
        ("10x pool: full run / floor", big, "full_over_floor", TARGET_BIG_OVER_FLOOR),
        (
            "10x pool: peak RSS, highest runner run (MiB)",
            big,
            "peak_rss_max_mib",
            TARGET_BIG_PEAK_RSS_BYTES / MIB,
        ),
        ("1x pool: full run (s)", pool, "full_s", TARGET_POOL_SECONDS),
        ("1x pool: full run / floor", pool, "full_over_floor", TARGET_POOL_OVER_FLOOR),
        ("10x pool: rerun / full run", big, "rerun_over_full", TARGET_BIG_RERUN_OVER_FULL),
        ("10x pool: add 1% / full run", big, "add_1pct_over_full", TARGET_BIG_ADD_OVER_FULL),
        (
            "1x pool: experiments' dbt time / rest of the full run",
            pool,
            "experiments_over_rest",
            TARGET_EXPERIMENTS_OVER_REST,
        ),
        (
            "10x pool: experiments' dbt time / rest of the full run",
            big,
            "experiments_over_rest",
            TARGET_EXPERIMENTS_OVER_REST,
        ),
    ]
    rows = []
    for name, summary, column, limit in checks:
        value = summary.get(column) if summary else None
        status = "not measured" if value is None else "PASS" if value <= limit else "MISS"
        rows.append({"target": name, "measured": value, "threshold": limit, "status": status})
    return rows


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: rounded(value) for key, value in row.items()})


def rounded(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def write_results(results_dir: Path, results: list[SizeResult]) -> None:
    summaries = {result.steps: summary_row(result) for result in results}
    write_csv(results_dir / "bench_summary.csv", SUMMARY_COLUMNS, summaries.values())
    phases = [row for result in results for row in phase_rows(result)]
    write_csv(results_dir / "bench_phases.csv", PHASE_COLUMNS, phases)
    runs = [row for result in results for row in run_rows(result)]
    write_csv(results_dir / "bench_runs.csv", RUN_COLUMNS, runs)
    write_csv(results_dir / "bench_targets.csv", TARGET_COLUMNS, target_rows(summaries))


def format_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[str] = ()
) -> str:
    """Columns right-aligned (numbers), except those named in left (text)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    aligns = [str.ljust if name in left else str.rjust for name in header]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(
            align(str(c), w) for c, w, align in zip(line, widths, aligns, strict=True)
        ).rstrip()
        for line in lines
    )


def summary_table(summaries: list[dict[str, float]]) -> str:
    header = ["steps", "trace MB", "floor s", "full s", "full/floor", "rerun s", "rerun/full"]
    header += ["add 1% s", "add/full", "RSS full MiB", "RSS max MiB"]
    rows = [
        [
            f"{row['size_steps']:,}",
            f"{row['trace_bytes'] / 1e6:,.0f}",
            f"{row['floor_s']:.2f}",
            f"{row['full_s']:.2f}",
            f"{row['full_over_floor']:.2f}",
            f"{row['rerun_s']:.2f}",
            f"{row['rerun_over_full']:.3f}",
            f"{row['add_1pct_s']:.2f}",
            f"{row['add_1pct_over_full']:.3f}",
            f"{row['peak_rss_full_mib']:,.0f}",
            f"{row['peak_rss_max_mib']:,.0f}",
        ]
        for row in summaries
    ]
    return format_table(header, rows)


def phase_table(result: SizeResult) -> str:
    medians = {run: result.phase_medians(run) for run in RUNNER_RUNS}
    keys = dict.fromkeys(key for run in RUNNER_RUNS for key in medians[run])
    rows = [
        [
            *key,
            *(f"{medians[run][key]:.2f}" if key in medians[run] else "-" for run in RUNNER_RUNS),
            phase_description(*key),
        ]
        for key in keys
    ]
    header = ["source", "phase", "full", "rerun", "add 1%", "what"]
    return format_table(header, rows, left=("source", "phase", "what"))


def report(results: list[SizeResult], results_dir: Path) -> str:
    summaries = [summary_row(result) for result in results]
    repeats = len(results[0].repetitions)
    parts = [
        f"Trace Atlas benchmark (medians of {repeats} repetition(s) per size; each ratio is the "
        "median of the repetitions' own ratios)",
        summary_table(summaries),
    ]
    for row in summaries:
        parts.append(
            f"at {row['size_steps']:,} steps: floor query alone {row['floor_query_s']:.2f} s, "
            f"floor peak RSS {row['peak_rss_floor_mib']:,.0f} MiB; add 1% reads "
            f"{row['extra_steps']:,} more steps ({row['extra_bytes'] / 1e6:,.1f} MB)"
        )
    for result in results:
        parts += ["", f"Phases at {result.steps:,} steps (median seconds)", phase_table(result)]
        if not any(source == "runner" for source, _ in result.phase_medians("full")):
            parts.append("(the runner wrote no run_timings.json: its own phases are not shown)")
    parts += ["", "Targets"]
    for target in target_rows({row["size_steps"]: row for row in summaries}):
        value = target["measured"]
        shown = "-" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.3f}"
        parts.append(
            f"  {target['status']:<12} {target['target']}: {shown} <= {target['threshold']:g}"
        )
    parts += ["", f"CSV files in {results_dir}"]
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def step_sizes(text: str) -> list[int]:
    try:
        sizes = [int(item.replace("_", "")) for item in text.split(",") if item.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {text}"
        ) from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError("sizes must be positive step counts")
    return sorted(set(sizes))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench.py",
        description=(
            "Measure `make run` (trace-atlas run, one process) on a generated trace,\n"
            "next to the floor: a bare DuckDB scan of the same file. Each repetition measures,\n"
            "in turn, the floor, a full run on a fresh database, a rerun with nothing new, and\n"
            "a run that adds 1% more steps; the medians are printed and written as CSV files.\n"
            "Traces are generated once and cached: `make bench` writes about 7 GB under bench/."
        ),
        epilog=(
            "examples:\n"
            "  %(prog)s --quick                 smoke test: 20,000 steps, one repetition\n"
            "  %(prog)s --sizes 357161 --repeat 1\n"
            "  %(prog)s                         the pool and 10x the pool, 3 repetitions each\n"
            "                                   (generates ~7 GB once; takes a long while)\n\n"
            "targets: at 10x the pool, full run <= 6x floor, peak RSS <= 2 GiB, rerun <= 25%%\n"
            "and add 1%% <= 35%% of the full run; at the pool, full run <= 6 s and <= 12x floor."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=step_sizes,
        metavar="N,N",
        help=f"trace sizes in steps, comma-separated (default: {POOL_STEPS},{BIG_STEPS})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="K",
        help=f"repetitions per size; medians are reported (default: {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_SIZE:,} steps, one repetition (not with --sizes/--repeat)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=PROJECT_DIR / "bench" / "data",
        help="where generated traces are cached (default: bench/data in the project)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=PROJECT_DIR / "bench" / "results",
        help="where the CSV files go (default: bench/results in the project)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=PROJECT_DIR / "bench" / "work",
        help="scratch space: database, dbt target, outputs, logs (default: bench/work)",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="generate the traces again even if cached"
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick and (args.sizes is not None or args.repeat is not None):
        parser.error("--quick sets the size and the repeat count itself")
    if args.quick:
        args.sizes, args.repeat = [QUICK_SIZE], 1
    args.sizes = args.sizes or list(DEFAULT_SIZES)
    args.repeat = DEFAULT_REPEAT if args.repeat is None else args.repeat
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for name in ("data_dir", "results_dir", "work_dir"):
        setattr(args, name, getattr(args, name).resolve())
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[SizeResult] = []
    warn_if_busy()
    try:
        for steps in args.sizes:
            results.append(benchmark_size(steps, args))
            write_results(args.results_dir, results)
    except BenchError as error:
        print(f"bench.py: error: {error}", file=sys.stderr)
        return 1
    print(report(results, args.results_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
