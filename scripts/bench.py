"""Benchmark Trace Atlas against the floor: a bare DuckDB scan of the same trace.

For each trace size the benchmark generates a trace once with ``scripts/generate_trace.py``
(cached as ``<data-dir>/trace-<steps>.jsonl``; the folder is gitignored), warms the page cache
and dbt's partial parse, then repeats, interleaved:

1. the floor: a fresh Python process that runs one DuckDB query over the trace, with the same
   thread count as the project (``profiles.yml``) and an explicit schema of the fields the
   experiment needs (provider, prefix_tokens, newly_append_tokens, timing_events as JSON);
2. the full run: what ``make run`` does minus the virtualenv step, with a private database,
   ``--target-path`` and output folder under ``<work-dir>/<steps>/`` (the database is deleted
   before every run): ``dbt build``, then ``write_outputs.py --no-plots``, then
   ``plot_figures.py`` (this is what ``write_outputs.py`` runs itself when plots are on);
3. the fixed start-up on its own: ``python -c "import dbt.cli.main"`` and ``dbt parse``.

Every command runs in a fresh process under ``/usr/bin/time -v`` (peak RSS; without GNU time a
small Python wrapper reads ``getrusage(RUSAGE_CHILDREN)`` instead). The ``dbt build`` wall time is
split into phases from ``run_results.json``: start-up (process start to the first node), seeds,
staging, intermediate, marts, exports, tests, the idle gaps between nodes and the wrap-up after
the last node. While two nodes run at once (two threads), their time is shared equally, so the
phases add up to the ``dbt build`` wall time.

The medians go to stdout as a table with the project's targets (PASS / MISS) and to CSV files in
``<results-dir>``: ``bench_summary.csv``, ``bench_phases.csv``, ``bench_runs.csv`` (every
repetition) and ``bench_targets.csv``. Progress lines go to stderr.
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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = PROJECT_DIR / "scripts"
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
GNU_TIME = Path("/usr/bin/time")

POOL_STEPS = 357_161  # the public pool (docs/input_format.md)
DEFAULT_SIZES = (POOL_STEPS, 10 * POOL_STEPS)
QUICK_SIZE = 20_000
DEFAULT_REPEAT = 3
BYTES_PER_STEP = 1_900  # the generator writes ~1.8 KB per line; used for the disk-space check
DISK_MARGIN_BYTES = 2 * 1024**3
READ_CHUNK_BYTES = 16 * 1024**2
MIB = 1024**2
# Variables that would make dbt read something else than the generated JSONL trace.
IGNORED_ENV = ("TRACE_ATLAS_INPUT_DB",)
BUSY_LOAD_PER_CORE = 0.5  # a 1-minute load average above this (per core) earns a warning
DEFAULT_THREADS = "2"  # profiles.yml: threads = env TRACE_ATLAS_DUCKDB_THREADS or 2

# Targets of the benchmark issue.
TARGET_BIG_OVER_FLOOR = 4.0
TARGET_BIG_PEAK_RSS_BYTES = 2 * 1024**3
TARGET_POOL_OVER_FLOOR = 10.0
TARGET_SCALING_SLACK = 1.1  # 10x the steps may take at most 11x the time (start-up aside)

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

NODE_PHASES = ("seeds", "staging", "intermediate", "marts", "exports", "tests", "other")
PHASES = {
    "dbt_startup": "dbt process start to its first node (imports, parse, connection)",
    "seeds": "seed loads",
    "staging": "models named stg_* / base_*",
    "intermediate": "models named int_*",
    "marts": "the other models (marts)",
    "exports": "models named export_*",
    "tests": "data tests and unit tests",
    "other": "exposures and any other node",
    "dbt_between_nodes": "dbt between nodes (no node running)",
    "dbt_wrapup": "last node end to dbt process exit (artifacts)",
    "dbt_build": "the whole dbt build process (sum of the rows above)",
    "writer": "write_outputs.py --no-plots (CSV / Markdown / LaTeX files)",
    "figures": "plot_figures.py (the two PNG figures)",
    "full_run": "dbt build + writer + figures",
    "python_import": "fixed start-up: python -c 'import dbt.cli.main'",
    "dbt_parse": "fixed start-up: dbt parse (partial parse warm)",
    "floor": "floor: the whole DuckDB scan process",
    "floor_query": "floor: the DuckDB query alone",
}
SUMMARY_COLUMNS = (
    "size_steps",
    "trace_bytes",
    "repeats",
    "floor_s",
    "floor_query_s",
    "full_s",
    "full_over_floor",
    "startup_s",
    "python_import_s",
    "full_minus_startup_s",
    "peak_rss_floor_mib",
    "peak_rss_full_mib",
    "peak_rss_dbt_build_mib",
    "peak_rss_writer_mib",
    "peak_rss_figures_mib",
)
PHASE_COLUMNS = ("size_steps", "phase", "median_s", "description")
TARGET_COLUMNS = ("target", "measured", "threshold", "status")


class BenchError(Exception):
    """A problem the user can fix; printed without a traceback."""


@dataclass(frozen=True)
class Measured:
    """One command run in a fresh process."""

    started_epoch: float
    seconds: float
    peak_rss_bytes: int
    log: Path


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
    """Every repetition measured on one trace size."""

    steps: int
    trace_bytes: int
    runs: list[dict[str, float]]

    def median(self, key: str) -> float:
        return statistics.median(run[key] for run in self.runs)


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
        started_epoch = time.time()
        started = time.perf_counter()
        code = subprocess.call(
            wrapped, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        seconds = time.perf_counter() - started
    if code != 0:
        raise BenchError(f"`{' '.join(command)}` exited with {code}; {log}:\n{log_tail(log)}")
    return Measured(started_epoch, seconds, peak_rss_bytes(report), log)


def run_environment(trace: Path, workspace: Workspace) -> dict[str, str]:
    """The environment of `make run`, pointed at the bench trace and database."""
    env = {name: value for name, value in os.environ.items() if name not in IGNORED_ENV}
    return env | {
        "TRACE_ATLAS_TRACE": str(trace),
        "TRACE_ATLAS_DB": str(workspace.database),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }


def dbt_command(verb: str, workspace: Workspace) -> list[str]:
    return [
        tool("dbt"),
        verb,
        "--target-path",
        str(workspace.target),
        "--log-path",
        str(workspace.dbt_logs),
    ]


# ---------------------------------------------------------------------------
# The trace
# ---------------------------------------------------------------------------


def generator_digest() -> str:
    return hashlib.sha256((SCRIPTS_DIR / "generate_trace.py").read_bytes()).hexdigest()


def check_disk_space(folder: Path, steps: int) -> None:
    needed = steps * BYTES_PER_STEP + DISK_MARGIN_BYTES
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise BenchError(
            f"{steps} steps need ~{needed / 1e9:.1f} GB free in {folder}; "
            f"only {free / 1e9:.1f} GB are free."
        )


def ensure_trace(data_dir: Path, steps: int, regenerate: bool) -> Path:
    """The cached trace of that many steps, generated first if missing (or if asked)."""
    path = data_dir / f"trace-{steps}.jsonl"
    meta = path.with_name(path.name + ".meta.json")
    if path.exists() and not regenerate:
        recorded = json.loads(meta.read_text()) if meta.exists() else {}
        if recorded.get("generator_sha256") != generator_digest():
            progress(f"warning: {path.name} was made by another generate_trace.py (--regenerate)")
        progress(f"using cached {path} ({path.stat().st_size / 1e6:,.0f} MB)")
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    check_disk_space(data_dir, steps)
    partial = data_dir / f".trace-{steps}.partial.jsonl"
    progress(f"generating {steps:,} steps into {path} (once; cached for later runs)")
    command = [tool("python"), str(SCRIPTS_DIR / "generate_trace.py"), "--steps", str(steps)]
    if subprocess.call([*command, "-o", str(partial)], cwd=PROJECT_DIR) != 0:
        partial.unlink(missing_ok=True)
        raise BenchError(f"generate_trace.py failed for {steps} steps")
    partial.replace(path)
    meta.write_text(json.dumps({"steps": steps, "generator_sha256": generator_digest()}) + "\n")
    return path


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


def measure_floor(trace: Path, workspace: Workspace, env: dict[str, str]) -> dict[str, float]:
    threads = env.get("TRACE_ATLAS_DUCKDB_THREADS", DEFAULT_THREADS)
    command = [tool("python"), "-c", FLOOR_SCRIPT, threads, floor_sql(trace)]
    run = measure(command, env, workspace.log("floor"))
    answer = json.loads(run.log.read_text().strip().splitlines()[-1])
    return {
        "floor_s": run.seconds,
        "floor_query_s": answer["query_seconds"],
        "floor_rss_bytes": run.peak_rss_bytes,
    }


def measure_startup(workspace: Workspace, env: dict[str, str]) -> dict[str, float]:
    imported = measure([tool("python"), "-c", "import dbt.cli.main"], env, workspace.log("import"))
    parsed = measure(dbt_command("parse", workspace), env, workspace.log("dbt_parse"))
    return {"python_import_s": imported.seconds, "dbt_parse_s": parsed.seconds}


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
    if name.startswith("export_"):
        return "exports"
    return "marts"


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


def node_intervals(run_results: Path) -> list[tuple[float, float, str]]:
    """(start, end, phase) of every dbt node that ran, from compile start to execute end."""
    intervals = []
    for result in json.loads(run_results.read_text())["results"]:
        timing = result.get("timing") or []
        if timing:
            start = min(epoch(entry["started_at"]) for entry in timing)
            end = max(epoch(entry["completed_at"]) for entry in timing)
            intervals.append((start, end, node_phase(result["unique_id"])))
    if not intervals:
        raise BenchError(f"no node timing in {run_results}")
    return intervals


def shared_node_time(intervals: list[tuple[float, float, str]]) -> dict[str, float]:
    """Seconds per phase, concurrent nodes sharing their time; idle gaps as dbt_between_nodes."""
    shares = dict.fromkeys((*NODE_PHASES, "dbt_between_nodes"), 0.0)
    edges = sorted({moment for start, end, _ in intervals for moment in (start, end)})
    for left, right in itertools.pairwise(edges):
        active = [phase for start, end, phase in intervals if start <= left and end >= right]
        if not active:
            shares["dbt_between_nodes"] += right - left
        for phase in active:
            shares[phase] += (right - left) / len(active)
    return shares


def dbt_phases(build: Measured, run_results: Path) -> dict[str, float]:
    intervals = node_intervals(run_results)
    first_start = min(start for start, _, _ in intervals)
    last_end = max(end for _, end, _ in intervals)
    return {
        "dbt_startup": first_start - build.started_epoch,
        **shared_node_time(intervals),
        "dbt_wrapup": build.started_epoch + build.seconds - last_end,
        "dbt_build": build.seconds,
    }


def measure_full_run(
    trace: Path, workspace: Workspace, env: dict[str, str], figures: bool
) -> dict[str, float]:
    """dbt build, the writer and the figures, each in a fresh process, from an empty database."""
    for stale in (workspace.database, workspace.database.with_name("bench.duckdb.wal")):
        stale.unlink(missing_ok=True)
    (workspace.target / "run_results.json").unlink(missing_ok=True)
    build = measure(dbt_command("build", workspace), env, workspace.log("dbt_build"))
    phases = dbt_phases(build, workspace.target / "run_results.json")
    writer_command = [
        tool("python"),
        str(SCRIPTS_DIR / "write_outputs.py"),
        *("--out", str(workspace.out), "--database", str(workspace.database)),
        *("--manifest", str(workspace.target / "manifest.json"), "--no-plots"),
    ]
    writer = measure(writer_command, env, workspace.log("writer"))
    measured = [build, writer]
    if figures:
        plot_command = [tool("python"), str(SCRIPTS_DIR / "plot_figures.py")]
        plot_command += ["--out", str(workspace.out), "--project-dir", str(PROJECT_DIR)]
        measured.append(measure(plot_command, env, workspace.log("figures")))
    return {
        **phases,
        "writer": writer.seconds,
        "figures": measured[2].seconds if figures else 0.0,
        "full_s": sum(run.seconds for run in measured),
        "dbt_build_rss_bytes": build.peak_rss_bytes,
        "writer_rss_bytes": writer.peak_rss_bytes,
        "figures_rss_bytes": measured[2].peak_rss_bytes if figures else 0,
        "full_rss_bytes": max(run.peak_rss_bytes for run in measured),
    }


def benchmark_size(steps: int, args: argparse.Namespace) -> SizeResult:
    """Generate (or reuse) the trace, warm up, then repeat floor / full run / start-up."""
    trace = ensure_trace(args.data_dir, steps, args.regenerate)
    workspace = Workspace(args.work_dir / str(steps))
    workspace.root.mkdir(parents=True, exist_ok=True)
    env = run_environment(trace, workspace)
    progress(f"{steps:,} steps: warming the page cache and dbt's partial parse")
    warm_page_cache(trace)
    measure(dbt_command("parse", workspace), env, workspace.log("warmup_parse"))
    runs = []
    for repetition in range(1, args.repeat + 1):
        run: dict[str, float] = {"repetition": repetition}
        run |= measure_floor(trace, workspace, env)
        progress(f"{steps:,} steps, run {repetition}/{args.repeat}: floor {run['floor_s']:.2f} s")
        run |= measure_full_run(trace, workspace, env, not args.no_figures)
        progress(f"{steps:,} steps, run {repetition}/{args.repeat}: full {run['full_s']:.2f} s")
        run |= measure_startup(workspace, env)
        runs.append(run)
    return SizeResult(steps, trace.stat().st_size, runs)


# ---------------------------------------------------------------------------
# Results: medians, targets, table and CSV files
# ---------------------------------------------------------------------------


def summary_row(result: SizeResult) -> dict[str, float]:
    startup = result.median("dbt_parse_s")
    return {
        "size_steps": result.steps,
        "trace_bytes": result.trace_bytes,
        "repeats": len(result.runs),
        "floor_s": result.median("floor_s"),
        "floor_query_s": result.median("floor_query_s"),
        "full_s": result.median("full_s"),
        "full_over_floor": result.median("full_s") / result.median("floor_s"),
        "startup_s": startup,
        "python_import_s": result.median("python_import_s"),
        "full_minus_startup_s": result.median("full_s") - startup,
        "peak_rss_floor_mib": result.median("floor_rss_bytes") / MIB,
        "peak_rss_full_mib": result.median("full_rss_bytes") / MIB,
        "peak_rss_dbt_build_mib": result.median("dbt_build_rss_bytes") / MIB,
        "peak_rss_writer_mib": result.median("writer_rss_bytes") / MIB,
        "peak_rss_figures_mib": result.median("figures_rss_bytes") / MIB,
    }


def phase_rows(result: SizeResult) -> list[dict[str, object]]:
    keys = {"full_run": "full_s", "dbt_parse": "dbt_parse_s", "python_import": "python_import_s"}
    keys |= {"floor": "floor_s", "floor_query": "floor_query_s"}
    return [
        {
            "size_steps": result.steps,
            "phase": phase,
            "median_s": result.median(keys.get(phase, phase)),
            "description": description,
        }
        for phase, description in PHASES.items()
    ]


def verdict(measured: float | None, threshold: float) -> str:
    if measured is None:
        return "n/a"
    return "PASS" if measured <= threshold else "MISS"


def target_rows(summaries: dict[int, dict[str, float]]) -> list[dict[str, object]]:
    pool, big = summaries.get(POOL_STEPS), summaries.get(10 * POOL_STEPS)
    scaling = None
    if pool and big:
        scaling = big["full_minus_startup_s"] / pool["full_minus_startup_s"]
    checks = [
        ("10x pool: full run / floor", big and big["full_over_floor"], TARGET_BIG_OVER_FLOOR),
        (
            "10x pool: peak RSS of the full run (MiB)",
            big and big["peak_rss_full_mib"],
            TARGET_BIG_PEAK_RSS_BYTES / MIB,
        ),
        ("1x pool: full run / floor", pool and pool["full_over_floor"], TARGET_POOL_OVER_FLOOR),
        ("10x steps: time ratio, start-up aside", scaling, 10 * TARGET_SCALING_SLACK),
    ]
    return [
        {"target": name, "measured": value, "threshold": limit, "status": verdict(value, limit)}
        for name, value, limit in checks
    ]


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
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
    runs = [{"size_steps": result.steps, **run} for result in results for run in result.runs]
    write_csv(results_dir / "bench_runs.csv", list(runs[0]), runs)
    write_csv(results_dir / "bench_targets.csv", TARGET_COLUMNS, target_rows(summaries))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(str(c).rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines
    )


def report(results: list[SizeResult], results_dir: Path) -> str:
    summaries = [summary_row(result) for result in results]
    header = ["steps", "trace MB", "floor s", "full s", "full/floor", "full-startup s"]
    header += ["RSS floor MiB", "RSS full MiB"]
    rows = [
        [
            f"{row['size_steps']:,}",
            f"{row['trace_bytes'] / 1e6:,.0f}",
            f"{row['floor_s']:.2f}",
            f"{row['full_s']:.2f}",
            f"{row['full_over_floor']:.2f}",
            f"{row['full_minus_startup_s']:.2f}",
            f"{row['peak_rss_floor_mib']:,.0f}",
            f"{row['peak_rss_full_mib']:,.0f}",
        ]
        for row in summaries
    ]
    parts = [f"Trace Atlas benchmark (medians of {len(results[0].runs)} run(s) per size)"]
    parts.append(format_table(header, rows))
    for row in summaries:
        parts.append(
            f"fixed start-up at {row['size_steps']:,} steps: dbt parse {row['startup_s']:.2f} s, "
            f"python import of dbt {row['python_import_s']:.2f} s; "
            f"floor query alone {row['floor_query_s']:.2f} s"
        )
        parts.append(
            f"peak RSS at {row['size_steps']:,} steps: dbt build "
            f"{row['peak_rss_dbt_build_mib']:,.0f} MiB, writer {row['peak_rss_writer_mib']:,.0f} "
            f"MiB, figures {row['peak_rss_figures_mib']:,.0f} MiB"
        )
    phase_header = ["phase", *(f"{result.steps:,} steps" for result in results), "what"]
    phase_table = [phase_rows(result) for result in results]
    phase_lines = [
        [phase, *(f"{table[index]['median_s']:.2f}" for table in phase_table), description]
        for index, (phase, description) in enumerate(PHASES.items())
    ]
    parts += ["", "Phases (median seconds)", format_table(phase_header, phase_lines)]
    parts += ["", *linearity_lines(summaries), "", "Targets"]
    for target in target_rows({row["size_steps"]: row for row in summaries}):
        value = target["measured"]
        shown = "-" if value is None else f"{value:.2f}"
        parts.append(
            f"  {target['status']:<5} {target['target']}: {shown} <= {target['threshold']:g}"
        )
    parts += ["", f"CSV files in {results_dir}"]
    return "\n".join(parts)


def linearity_lines(summaries: list[dict[str, float]]) -> list[str]:
    """Time ratio of the largest to the smallest size, the fixed start-up subtracted."""
    if len(summaries) < 2:
        return ["linearity: needs two sizes"]
    small, big = summaries[0], summaries[-1]
    time_ratio = big["full_minus_startup_s"] / small["full_minus_startup_s"]
    step_ratio = big["size_steps"] / small["size_steps"]
    return [
        f"linearity: {step_ratio:.1f}x the steps ({small['size_steps']:,} -> "
        f"{big['size_steps']:,}) took {time_ratio:.2f}x the time (full run minus dbt parse)"
    ]


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
            "Measure how long `make run` takes on a generated trace, next to the floor: a bare\n"
            "DuckDB scan of the same file. Every measurement runs in a fresh process and is\n"
            "repeated (floor, full run, floor, full run, ...); the medians are printed and\n"
            "written as CSV files. Traces are generated once and cached."
        ),
        epilog=(
            "examples:\n"
            "  %(prog)s --quick                 smoke test: 20,000 steps, one run (~30 s)\n"
            "  %(prog)s --sizes 357161 --repeat 1\n"
            "  %(prog)s                         the pool and 10x the pool, 3 runs each\n"
            "                                   (generates ~7 GB once; takes a long while)\n\n"
            "targets: 10x pool full run <= 4x floor and peak RSS <= 2 GiB; 1x pool full run\n"
            "<= 10x floor; 10x the steps <= 11x the time, fixed start-up (dbt parse) aside."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=step_sizes,
        metavar="N,N",
        help="trace sizes in steps, comma-separated (default: 357161,3571610)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="K",
        help=f"runs per size; medians are reported (default: {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: one {QUICK_SIZE:,}-step size, one run (not with --sizes/--repeat)",
    )
    parser.add_argument(
        "--no-figures", action="store_true", help="leave the figures step out of the full run"
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
