"""Benchmark the raw agent-log path against the floor: a bare DuckDB scan of the same files.

The raw logs are generated once with ``tools/generate_raw_logs.py`` (about 300,000 steps,
~3.3 GB in ~20,000 files, both agents) into ``bench/raw/data/`` (gitignored) and reused while the
generator and the step count are unchanged. Then, after one warm-up run (page cache, dbt's
partial parse, the input hashes of run_manifest.json), each of these runs ``--repeat`` times,
interleaved, every one in a fresh process:

1. the scan (the floor): one DuckDB query that reads every line of every file with the same
   reader and thread count as the project (read_csv as a line reader) and counts lines and bytes;
   and the same scan that also parses every line as JSON (json_valid), the floor of any reader
   of the records;
2. the full run: what ``make run CLAUDE_LOGS=... CODEX_LOGS=...`` does (trace-atlas run,
   ``--no-plots``): dbt build -- models, data tests, unit tests -- then the output files, with a
   private database (deleted before every run), target and output folder.

It prints the medians: raw megabytes, the scan's time and MB/s, the full run's time, its ingest
rate (raw MB / full-run seconds), the time of the model that parses the lines
(stg_agent_logs__lines, from run_results.json) and the full run over the scan; with the machine's
load average before and after (a busy machine slows both). ``--quick`` does the same on 20,000
steps. Results also go to ``bench/raw/results.json``.

``--daily`` times a practitioner's day instead, on a home of 6,680 generated steps (about 100
sessions) copied afresh for each repetition: the first run (a new database), a run after the
largest session grew by its last 1% of lines (held back until then), and a run with nothing
new; with the grown run over the first run. Results go to ``bench/raw/daily.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOOLS_DIR = PROJECT_DIR / "tools"
DEFAULT_STEPS = 300_000
QUICK_STEPS = 20_000
DAILY_STEPS = 6_680
MB = 1e6
THREADS = "2"  # profiles.yml: TRACE_ATLAS_DUCKDB_THREADS or 2
SCAN_CONFIG = {"threads": int(THREADS)}
SCAN_SQL = """
select count(*), coalesce(sum(strlen(line_text)), 0){parse}
from read_csv({globs}, columns = {{'line_text': 'varchar'}}, header = false, auto_detect = false,
    delim = chr(1), quote = '', escape = '', strict_mode = false, max_line_size = 16777216,
    filename = true, ignore_errors = true)
"""


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def generator_digest() -> str:
    return hashlib.sha256((TOOLS_DIR / "generate_raw_logs.py").read_bytes()).hexdigest()[:16]


def ensure_logs(folder: Path, steps: int) -> tuple[Path, Path]:
    """The generated logs (claude projects folder, codex home), generated when missing."""
    data = folder / f"data-{steps}"
    marker = data / "generated.json"
    wanted = {"steps": steps, "generator": generator_digest()}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return data / "claude", data / "codex"
    shutil.rmtree(data, ignore_errors=True)
    progress(f"generating {steps:,} steps of raw logs into {data} (once)")
    command = [
        sys.executable,
        str(TOOLS_DIR / "generate_raw_logs.py"),
        "--claude-root",
        str(data / "claude"),
        "--codex-root",
        str(data / "codex"),
        "--steps",
        str(steps),
    ]
    subprocess.run(command, check=True)
    marker.write_text(json.dumps(wanted))
    return data / "claude", data / "codex"


def log_files(claude: Path, codex: Path) -> list[Path]:
    return sorted([*claude.glob("*/**/*.jsonl"), *codex.glob("*sessions/**/*.jsonl")])


def scan(claude: Path, codex: Path, parse: bool = False) -> tuple[float, int, int]:
    """The floor, in a fresh process: (seconds, lines, bytes of line text). With parse, every
    line is also parsed as JSON (json_valid): the floor of any reader of the records."""
    globs = [f"{claude}/*/**/*.jsonl", f"{codex}/sessions/**/*.jsonl"]
    query = SCAN_SQL.format(globs=globs, parse=", count(*) filter (where json_valid(line_text))")
    if not parse:
        query = SCAN_SQL.format(globs=globs, parse="")
    code = (
        "import duckdb, json, sys, time\n"
        f"connection = duckdb.connect(config={SCAN_CONFIG!r})\n"
        "connection.execute('set enable_progress_bar = false')\n"
        "start = time.perf_counter()\n"
        f"lines, size, *_ = connection.execute({query!r}).fetchone()\n"
        "print(json.dumps([time.perf_counter() - start, lines, int(size)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, lines, size = json.loads(done.stdout)
    return seconds, lines, size


def full_run(claude: Path, codex: Path, work: Path, fresh: bool = True) -> tuple[float, float]:
    """make run on the logs, in a fresh process: (seconds, seconds of stg_agent_logs__lines,
    0 when no build ran). `fresh`: a new database, else the one of the last run."""
    database = work / "atlas.duckdb"
    for leftover in (database, database.with_name(database.name + ".wal")) if fresh else ():
        leftover.unlink(missing_ok=True)
    env = os.environ | {
        "TRACE_ATLAS_DB": str(database),
        "DO_NOT_TRACK": "1",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "TRACE_ATLAS_DUCKDB_THREADS": THREADS,
    }
    command = [
        sys.executable,
        "-m",
        "trace_atlas",
        "run",
        "--claude-logs",
        str(claude),
        "--codex-logs",
        str(codex / "sessions"),
        "--out",
        str(work / "out"),
        "--target-path",
        str(work / "target"),
        "--no-plots",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the full run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if "up to date" in done.stdout:
        return seconds, 0.0
    results = json.loads((work / "target" / "run_results.json").read_text())
    parse = next(
        result["execution_time"]
        for result in results["results"]
        if result["unique_id"].endswith(".stg_agent_logs__lines")
    )
    return seconds, parse


def daily(args: argparse.Namespace) -> dict:
    """First run, a run after 1% growth of the largest session, a run with nothing new."""
    folder = args.folder.resolve()
    claude, codex = ensure_logs(folder, DAILY_STEPS)
    home, work = folder / "daily-home", folder / "daily-work"
    firsts, growns, nothings, grown_parses = [], [], [], []
    raw_bytes = 0
    for repetition in range(1, args.repeat + 1):
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(claude.parent, home)
        home_claude, home_codex = home / claude.name, home / codex.name
        files = log_files(home_claude, home_codex)
        raw_bytes = sum(path.stat().st_size for path in files)
        live = max(files, key=lambda path: path.stat().st_size)
        lines = live.read_bytes().splitlines(keepends=True)
        held = max(1, len(lines) // 100)
        live.write_bytes(b"".join(lines[:-held]))
        firsts.append(full_run(home_claude, home_codex, work)[0])
        with open(live, "ab") as log:
            log.write(b"".join(lines[-held:]))
        seconds, parse = full_run(home_claude, home_codex, work, fresh=False)
        growns.append(seconds)
        grown_parses.append(parse)
        nothings.append(full_run(home_claude, home_codex, work, fresh=False)[0])
        progress(
            f"day {repetition}/{args.repeat}: first run {firsts[-1]:.1f} s, after 1% growth "
            f"{growns[-1]:.1f} s (lines model {parse:.2f} s), nothing new {nothings[-1]:.1f} s"
        )
    first_s, grown_s, nothing_s = (statistics.median(v) for v in (firsts, growns, nothings))
    return {
        "steps_generated": DAILY_STEPS,
        "files": len(files),
        "raw_mb": round(raw_bytes / MB, 1),
        "repeat": args.repeat,
        "first_run_s": round(first_s, 2),
        "grown_run_s": round(grown_s, 2),
        "grown_lines_model_s": round(statistics.median(grown_parses), 2),
        "nothing_new_s": round(nothing_s, 2),
        "grown_over_first": round(grown_s / first_s, 3),
        "first_runs_s": [round(v, 2) for v in firsts],
        "grown_runs_s": [round(v, 2) for v in growns],
        "nothing_new_runs_s": [round(v, 2) for v in nothings],
        "load_average_after": load_average(),
        "cores": os.cpu_count(),
    }


def benchmark(args: argparse.Namespace) -> dict:
    steps = QUICK_STEPS if args.quick else args.steps
    folder = args.folder.resolve()
    claude, codex = ensure_logs(folder, steps)
    files = log_files(claude, codex)
    raw_bytes = sum(path.stat().st_size for path in files)
    work = folder / f"work-{steps}"
    work.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    progress(f"{len(files):,} files, {raw_bytes / MB:,.0f} MB; load average {load_before}")
    progress("warm-up: one scan and one full run (page cache, partial parse, input hashes)")
    scan(claude, codex)
    full_run(claude, codex, work)
    scans, parse_scans, runs, parses = [], [], [], []
    lines = 0
    for repetition in range(1, args.repeat + 1):
        seconds, lines, _ = scan(claude, codex)
        scans.append(seconds)
        parse_scans.append(scan(claude, codex, parse=True)[0])
        progress(
            f"run {repetition}/{args.repeat}: scan {seconds:.1f} s, {parse_scans[-1]:.1f} s parsed"
        )
        seconds, parse = full_run(claude, codex, work)
        runs.append(seconds)
        parses.append(parse)
        progress(
            f"run {repetition}/{args.repeat}: full run {seconds:.1f} s (lines model {parse:.1f} s)"
        )
    scan_s, run_s, parse_s = (statistics.median(v) for v in (scans, runs, parses))
    parse_scan_s = statistics.median(parse_scans)
    return {
        "steps_generated": steps,
        "files": len(files),
        "lines": lines,
        "raw_mb": round(raw_bytes / MB, 1),
        "repeat": args.repeat,
        "scan_s": round(scan_s, 2),
        "scan_mb_per_s": round(raw_bytes / MB / scan_s, 1),
        "parse_scan_s": round(parse_scan_s, 2),
        "parse_scan_mb_per_s": round(raw_bytes / MB / parse_scan_s, 1),
        "full_run_s": round(run_s, 2),
        "ingest_mb_per_s": round(raw_bytes / MB / run_s, 1),
        "lines_model_s": round(parse_s, 2),
        "lines_model_mb_per_s": round(raw_bytes / MB / parse_s, 1),
        "full_run_over_scan": round(run_s / scan_s, 2),
        "full_run_over_parse_scan": round(run_s / parse_scan_s, 2),
        "scans_s": [round(v, 2) for v in scans],
        "full_runs_s": [round(v, 2) for v in runs],
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "cores": os.cpu_count(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Time make run on generated raw Claude Code / Codex logs against a bare DuckDB scan "
            "of the same files (median of --repeat runs, after a warm-up)."
        )
    )
    parser.add_argument(
        "--steps", type=int, default=DEFAULT_STEPS, help="steps to generate (default 300000)"
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS:,} steps instead")
    parser.add_argument(
        "--daily",
        action="store_true",
        help=f"first run, 1%% growth and nothing new on {DAILY_STEPS:,} steps instead",
    )
    parser.add_argument("--repeat", type=int, default=3, help="measured runs (default 3)")
    parser.add_argument(
        "--folder",
        type=Path,
        default=PROJECT_DIR / "bench" / "raw",
        help="where the logs and the runs go (default bench/raw, gitignored)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.daily:
        result = daily(args)
        (args.folder / "daily.json").write_text(json.dumps(result, indent=2) + "\n")
        print(
            f"a day of raw logs: {result['files']:,} files, {result['raw_mb']:,} MB "
            f"({result['steps_generated']:,} steps generated)\n"
            f"first run:          {result['first_run_s']:6.2f} s\n"
            f"after 1% growth:    {result['grown_run_s']:6.2f} s "
            f"({result['grown_over_first']:.1%} of the first run; lines model "
            f"{result['grown_lines_model_s']:.2f} s)\n"
            f"nothing new:        {result['nothing_new_s']:6.2f} s\n"
            f"medians of {result['repeat']}; load average after {result['load_average_after']} "
            f"on {result['cores']} cores"
        )
        return 0
    result = benchmark(args)
    (args.folder / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"raw logs: {result['files']:,} files, {result['lines']:,} lines, "
        f"{result['raw_mb']:,} MB ({result['steps_generated']:,} steps generated)\n"
        f"scan (floor):  {result['scan_s']:8.2f} s  {result['scan_mb_per_s']:8.1f} MB/s "
        f"(every line also parsed as JSON: {result['parse_scan_s']:.2f} s, "
        f"{result['parse_scan_mb_per_s']:.1f} MB/s)\n"
        f"full run:      {result['full_run_s']:8.2f} s  {result['ingest_mb_per_s']:8.1f} MB/s "
        f"ingest (lines model {result['lines_model_s']:.2f} s, "
        f"{result['lines_model_mb_per_s']:.1f} MB/s)\n"
        f"full run / scan: {result['full_run_over_scan']:.2f}x "
        f"(/ parsed scan: {result['full_run_over_parse_scan']:.2f}x); "
        f"medians of {result['repeat']}; "
        f"load average {result['load_average_before']} -> {result['load_average_after']} "
        f"on {result['cores']} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
