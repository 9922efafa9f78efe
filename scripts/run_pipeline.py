"""Run the experiment end to end: dbt build, then the output files and the figures.

This is what `make run` calls. It holds a lock on the embedded database (with `--engine spark`:
on the Spark folder, TRACE_ATLAS_SPARK_DIR, default target/spark) for the whole run, so a second
run started on the same database fails at once with a clear message instead of
waiting or interfering; then it runs `dbt build` (models, data tests, unit tests), and only
when everything passed does it write the outputs (scripts/write_outputs.py), replacing the
output folder as a whole. A failed build leaves the previous outputs untouched.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "target/trace_atlas.duckdb"
DEFAULT_SPARK_DIR = "target/spark"


class RunError(Exception):
    """A problem the user can fix; printed without a traceback."""


@contextmanager
def database_lock(database: Path, setting: str = "TRACE_ATLAS_DB=<file>") -> Iterator[None]:
    """Hold an exclusive lock beside the database (a DuckDB file or the Spark folder); fail
    fast if another run holds it. `setting` tells how to give a run its own."""
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
                f"or give this run its own database with {setting}."
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


def dbt_build(target: str, target_path: str | None) -> bool:
    """`dbt build` in a child process (its DuckDB connection must be closed before the
    writer opens the database); True when every model and test passed."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", "--project-dir", str(PROJECT_DIR)]
    command += ["--profiles-dir", str(PROJECT_DIR), "--target", target]
    if target_path:
        command += ["--target-path", target_path]
    return subprocess.run(command, check=False).returncode == 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Build the cache-hit-ratio experiment with dbt on a normalized trace and write its "
            "CSV / Markdown / LaTeX outputs and figures into one folder."
        )
    )
    parser.add_argument(
        "--trace",
        default=os.environ.get("TRACE_ATLAS_TRACE", "data/default/trace.jsonl"),
        help="trace file(s): a path, a glob, or several separated by commas "
        "(.jsonl or .jsonl.gz; relative to the project folder)",
    )
    parser.add_argument(
        "--db-input",
        default=os.environ.get("TRACE_ATLAS_INPUT_DB", ""),
        help="read a prebuilt trace database (tables rounds, timing_events, tool_calls) "
        "instead of --trace; it is opened read-only",
    )
    parser.add_argument("--out", default="output/cache_hit_ratio", help="output folder")
    parser.add_argument(
        "--on-bad-lines",
        choices=["strict", "quarantine"],
        default=os.environ.get("TRACE_ATLAS_ON_BAD_LINES", "strict"),
        help="strict: stop at the first bad line (default); quarantine: set bad lines aside "
        "in rejected_lines.csv and go on",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the figures")
    parser.add_argument(
        "--target-path", default=None, help="dbt's target folder (default: target/)"
    )
    parser.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default=os.environ.get("TRACE_ATLAS_ENGINE", "duckdb"),
        help="duckdb (default): an embedded DuckDB file; spark: a local Apache Spark session "
        "(dbt-spark, needs requirements-spark.txt and Java 17+), its warehouse under "
        "TRACE_ATLAS_SPARK_DIR (default target/spark)",
    )
    return parser.parse_args(argv)


def spark_problem() -> str | None:
    """Why the Spark engine cannot run here, or None."""
    if (
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None
    ):
        return (
            "the Spark engine is not installed: make venv-spark "
            "(.venv/bin/pip install -r requirements-spark.txt)"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "the Spark engine needs a Java runtime (17+) on PATH or JAVA_HOME"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(PROJECT_DIR)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["TRACE_ATLAS_TRACE"] = args.trace
    os.environ["TRACE_ATLAS_INPUT_DB"] = args.db_input
    os.environ["TRACE_ATLAS_ON_BAD_LINES"] = args.on_bad_lines
    database = Path(os.environ.get("TRACE_ATLAS_DB", DEFAULT_DATABASE))
    target = "duckdb_from_db" if args.db_input else "duckdb"
    lock, setting = database, "TRACE_ATLAS_DB=<file>"
    spark_dir = Path(os.environ.get("TRACE_ATLAS_SPARK_DIR", DEFAULT_SPARK_DIR))
    if args.engine == "spark":
        if args.db_input:
            print(
                "error: a prebuilt trace database is read by the DuckDB engine only; "
                "run it with ENGINE=duckdb (make run DB=...), or give the Spark engine the "
                "JSONL trace (make run ENGINE=spark TRACE=...).",
                file=sys.stderr,
            )
            return 2
        problem = spark_problem()
        if problem:
            print(f"error: {problem}.", file=sys.stderr)
            return 2
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        target, lock, setting = "spark", spark_dir, "TRACE_ATLAS_SPARK_DIR=<folder>"
    if args.db_input and not Path(args.db_input).is_file():
        print(f"error: trace database {args.db_input} not found.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        with database_lock(lock, setting):
            if not dbt_build(target, args.target_path):
                print(
                    f"error: dbt build failed (see the messages above); no output was written "
                    f"and {args.out} was left as it was.",
                    file=sys.stderr,
                )
                return 1
            import write_outputs

            manifest = Path(args.target_path or "target") / "manifest.json"
            writer_args = ["--out", args.out, "--database", str(database)]
            writer_args += ["--manifest", str(manifest)]
            writer_args += ["--engine", args.engine, "--spark-dir", str(spark_dir)]
            if args.no_plots:
                writer_args.append("--no-plots")
            status = write_outputs.main(writer_args)
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    print(f"run finished in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
