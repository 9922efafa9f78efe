"""First contact: what a newcomer meets on the first `make` and `make run`.

* Each refusal of the runner (a trace that does not exist, a glob that matches nothing, a folder
  given as the trace, an OUT folder Trace Atlas did not write) exits non-zero with one line that
  names the path, before dbt starts: no lock, no database, no dbt log, no dbt target.
* A normal run prints a short console output that names the final output folder (not the
  staging folder the writer swaps in) and where dbt's full log is.
* A run with NO_PLOTS=1 says that it leaves no figures (and leaves none).
* `make help` and plain `make` list every entry point with its variables.
* Nothing the user reads or dbt compiles points at `../shared`.

Every run is private: database, dbt target and dbt log live under a temporary folder
(TRACE_ATLAS_DB, --target-path or DBT_TARGET_PATH, DBT_LOG_PATH), so the user's target/, logs/
and output/ are never touched.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from atlas_testkit import PROJECT_DIR, generate_trace

RUNNER = [sys.executable, "-m", "trace_atlas", "run"]
# Variables of the Makefile (and make's own state) that must not leak into the runs from the
# environment this suite runs in (e.g. `make test NO_PLOTS=1`).
MAKE_VARIABLES = ("TRACE", "OUT", "DB", "ON_BAD_LINES", "NO_PLOTS", "ENGINE", "BENCH_ARGS", "PORT")
MAKE_STATE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS")
# make's own line after a failed recipe: `make: *** [Makefile:80: run] Error 2`.
MAKE_ERROR = re.compile(r"^g?make(\[\d+\])?: \*\*\* .*Error \d+$")
# Lines the runner prints once it has gone past its checks.
STARTED = re.compile(r"^(trace atlas:|dbt build|outputs:|done in)|^\s+(seeds|staging|tests)\s+\d")
FAST = 10.0  # seconds: a sanity bound for a refusal (a dbt build takes 15 s or more here)
SHORT = 40  # lines of console output of a normal run

# The entry points a user may call, with the variables each takes; checked for those the
# Makefile (and mk/*.mk) defines.
ENTRY_POINTS = {
    "run": ("TRACE", "DB", "OUT", "ON_BAD_LINES", "NO_PLOTS", "ENGINE"),
    "test": (),
    "docs": (),
    "bench": ("BENCH_ARGS",),
    "clean": (),
    "mine": (),
    "page": ("OUT",),
    "serve": ("OUT", "PORT"),
    "spark-cluster-up": (),
    "spark-cluster-status": (),
    "spark-cluster-down": (),
}


def private_environment(workdir: Path, **variables: str) -> dict[str, str]:
    """The caller's environment without make's or Trace Atlas's settings, then a private
    database, dbt target, dbt log and Spark folder under workdir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in MAKE_VARIABLES + MAKE_STATE
        and not key.startswith(("TRACE_ATLAS_", "DBT_LOG_PATH", "DBT_TARGET_PATH"))
    }
    return env | {
        "DO_NOT_TRACK": "1",
        "TRACE_ATLAS_DB": str(workdir / "atlas.duckdb"),
        "TRACE_ATLAS_SPARK_DIR": str(workdir / "spark"),
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
        **variables,
    }


def console_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def make(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@functools.cache
def make_targets() -> frozenset[str]:
    """The targets the Makefile and mk/*.mk define (make's database, nothing run)."""
    env = {key: value for key, value in os.environ.items() if key not in MAKE_STATE}
    database = subprocess.run(
        ["make", "-pRrq", ":"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    ).stdout
    targets, not_a_target = set(), False
    for line in database.splitlines():
        if line.startswith("# Not a target:"):
            not_a_target = True
            continue
        match = re.match(r"^([A-Za-z0-9][\w.-]*):(?!=)", line)
        if match and not not_a_target:
            targets.add(match.group(1))
        not_a_target = False
    return frozenset(targets)


def named_make_targets(text: str) -> set[str]:
    """Targets a text shows as `make X`, with `make spark-cluster-up / -status / -down` read as
    three targets."""
    named = set()
    for match in re.finditer(r"\bmake ([a-z][\w-]*)((?:\s*/\s*-[\w-]+)*)", text):
        base, tails = match.group(1), re.findall(r"-([\w-]+)", match.group(2))
        named.add(base)
        stem = base.rsplit("-", 1)[0]
        named.update(f"{stem}-{tail}" for tail in tails)
    return named


# ---------------------------------------------------------------- refusals, before dbt starts


@dataclass(frozen=True)
class Refusal:
    trace: str
    out: Path
    named: str  # the path the one line must name
    untouched: dict[str, bytes]  # what a foreign OUT held, to be found again as it was


def refusal_case(case: str, folder: Path, tiny_trace: Path) -> Refusal:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "out"
    if case == "missing trace":
        trace = str(folder / "absent.jsonl")
        return Refusal(trace, out, trace, {})
    if case == "glob matching nothing":
        (folder / "traces").mkdir()
        (folder / "traces" / "notes.txt").write_text("not a trace\n")
        trace = str(folder / "traces" / "*.jsonl")
        return Refusal(trace, out, trace, {})
    if case == "folder as trace":
        (folder / "traces").mkdir()
        (folder / "traces" / "trace.jsonl").write_bytes(tiny_trace.read_bytes())
        trace = str(folder / "traces")
        return Refusal(trace, out, trace, {})
    assert case == "foreign OUT"
    foreign = folder / "my_results"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my own results\n")
    (foreign / "run_manifest.json").write_text("{}\n")  # a look-alike file is not the marker
    contents = {path.name: path.read_bytes() for path in foreign.iterdir()}
    return Refusal(str(tiny_trace), foreign, str(foreign), contents)


@pytest.fixture(scope="module")
def tiny_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_trace(tmp_path_factory.mktemp("first_contact_trace") / "tiny.jsonl", 50)


REFUSALS = ("missing trace", "glob matching nothing", "folder as trace", "foreign OUT")


@pytest.mark.parametrize("entry", ["make run", "trace-atlas run"])
@pytest.mark.parametrize("case", REFUSALS)
def test_a_refusal_is_one_line_naming_the_path_before_anything_runs(
    case: str, entry: str, tmp_path: Path, tiny_trace: Path
) -> None:
    refusal = refusal_case(case, tmp_path / "in", tiny_trace)
    workdir = tmp_path / "private"
    env = private_environment(workdir)
    started = time.monotonic()
    if entry == "make run":
        result = make("run", f"TRACE={refusal.trace}", f"OUT={refusal.out}", env=env)
    else:
        command = [*RUNNER, "--trace", refusal.trace]
        command += ["--out", str(refusal.out), "--target-path", str(workdir / "target")]
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    elapsed = time.monotonic() - started
    shown = result.stdout + result.stderr

    assert result.returncode != 0, shown
    lines = console_lines(result)
    problem = [line for line in lines if not MAKE_ERROR.match(line)]
    assert len(problem) == 1, f"expected one line, got:\n{shown}"
    assert problem[0].startswith("error: "), shown
    assert refusal.named in problem[0], f"the line does not name {refusal.named}:\n{shown}"
    assert "Traceback" not in shown
    # dbt never started: the runner printed none of its progress, took no lock, created no
    # database, and dbt wrote no log and no target.
    assert not [line for line in lines if STARTED.search(line)], shown
    assert not (workdir / "atlas.duckdb.run-lock").exists()
    assert not (workdir / "atlas.duckdb").exists()
    assert not (workdir / "logs" / "dbt.log").exists()
    assert not (workdir / "target").exists()
    assert elapsed < FAST, f"{elapsed:.1f} s"
    if refusal.untouched:
        assert {path.name: path.read_bytes() for path in refusal.out.iterdir()} == (
            refusal.untouched
        )
    else:
        assert not refusal.out.exists()


# ---------------------------------------------------------------- a normal run


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess[str]
    lines: list[str]
    out: Path
    workdir: Path
    files: frozenset[str]  # what OUT held right after this run

    def explain(self) -> str:
        return self.result.stdout + self.result.stderr


def make_style_run(workdir: Path, trace: Path, out: Path, no_plots: str) -> Run:
    """What `make run TRACE=... OUT=... NO_PLOTS=...` runs (the runner reading make's variables
    from the environment), with the dbt target under workdir."""
    env = private_environment(
        workdir,
        TRACE=str(trace),
        OUT=str(out),
        DB="",
        ON_BAD_LINES="strict",
        NO_PLOTS=no_plots,
        ENGINE="duckdb",
    )
    command = [*RUNNER, "--target-path", str(workdir / "target")]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900
    )
    files = frozenset(path.name for path in out.iterdir()) if out.is_dir() else frozenset()
    return Run(result, console_lines(result), out, workdir, files)


@pytest.fixture(scope="module")
def normal_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    workdir = tmp_path_factory.mktemp("first_contact_run")
    trace = generate_trace(workdir / "trace.jsonl", 300)
    run = make_style_run(workdir, trace, workdir / "atlas out", no_plots="0")
    assert run.result.returncode == 0, run.explain()
    return run


@pytest.fixture(scope="module")
def no_plots_run(normal_run: Run) -> Run:
    """NO_PLOTS=1 into the folder the normal run filled (figures included)."""
    trace = normal_run.workdir / "trace.jsonl"
    run = make_style_run(normal_run.workdir, trace, normal_run.out, no_plots="1")
    assert run.result.returncode == 0, run.explain()
    return run


@pytest.mark.slow
def test_a_normal_run_prints_a_short_output(normal_run: Run) -> None:
    assert len(normal_run.lines) < SHORT, normal_run.explain()
    assert "Traceback" not in normal_run.explain()
    # a clean trace is read once, by the fast reader
    assert "exact reader" not in normal_run.explain(), normal_run.explain()


@pytest.mark.slow
def test_a_normal_run_names_the_final_output_folder(normal_run: Run) -> None:
    final = str(normal_run.out.resolve())
    assert any(final in line for line in normal_run.lines), normal_run.explain()
    staging = re.compile(re.escape(f".{normal_run.out.name}.") + r"(new|old)-")
    assert not [line for line in normal_run.lines if staging.search(line)], normal_run.explain()
    assert {"run_manifest.json", "index.html", "cache_hit_ratio_summary.csv"} <= normal_run.files
    assert {"cache_hit_ratio_histogram.png"} <= normal_run.files


def named_dbt_log(run: Run) -> Path:
    named = [m.group(0) for line in run.lines for m in re.finditer(r"/\S*dbt\.log\b", line)]
    assert named, f"no line says where dbt's full log is:\n{run.explain()}"
    return Path(named[0])


@pytest.mark.slow
def test_a_normal_run_says_where_dbts_full_log_is(normal_run: Run) -> None:
    log = named_dbt_log(normal_run)
    assert log.is_absolute()


@pytest.mark.slow
def test_the_log_it_names_is_the_one_dbt_wrote(normal_run: Run) -> None:
    """This run's dbt wrote its log where DBT_LOG_PATH says (a private folder): the path the
    runner prints must be that file, holding this build's invocation id."""
    log = named_dbt_log(normal_run)
    manifest = json.loads((normal_run.out / "run_manifest.json").read_text())
    invocation = manifest["dbt_invocation_id"]
    assert (normal_run.workdir / "logs" / "dbt.log").is_file()  # where dbt did write it
    assert log.is_file(), f"{log} does not exist"
    assert invocation in log.read_text(errors="replace"), (
        f"{log} does not hold this build (invocation {invocation}); dbt wrote "
        f"{normal_run.workdir / 'logs' / 'dbt.log'}"
    )


@pytest.mark.slow
def test_a_run_with_no_plots_says_it_leaves_no_figures(normal_run: Run, no_plots_run: Run) -> None:
    assert any(name.endswith(".png") for name in normal_run.files)  # figures were there before
    assert any(re.search(r"\bno figures?\b", line, re.I) for line in no_plots_run.lines), (
        no_plots_run.explain()
    )
    assert not [name for name in no_plots_run.files if name.endswith(".png")]
    assert len(no_plots_run.lines) < SHORT, no_plots_run.explain()


# ---------------------------------------------------------------- make help


@pytest.mark.parametrize("goal", [["help"], []], ids=["make help", "make"])
def test_make_lists_every_entry_point_with_its_variables(goal: list[str], tmp_path: Path) -> None:
    result = make(*goal, env=private_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    listed = named_make_targets(text)
    existing = make_targets()
    problems = [
        f"target {target} not listed"
        for target in ENTRY_POINTS
        if target in existing and target not in listed
    ]
    problems += [
        f"variable {variable} (of make {target}) not shown"
        for target, names in ENTRY_POINTS.items()
        if target in existing
        for variable in names
        if f"{variable}=" not in text
    ]
    problems += [f"target {target} listed but not defined" for target in listed - existing]
    assert not problems, f"make {' '.join(goal)}: {'; '.join(problems)}\n{text}"


def test_every_make_command_of_the_readme_exists() -> None:
    shown = named_make_targets((PROJECT_DIR / "README.md").read_text(encoding="utf-8"))
    assert not shown - make_targets(), f"README.md shows {sorted(shown - make_targets())}"


# ---------------------------------------------------------------- no ../shared


def test_nothing_points_at_a_shared_folder_outside_the_project() -> None:
    """`grep -r "\\.\\./shared" README.md models macros docs` finds nothing."""
    roots = [PROJECT_DIR / name for name in ("README.md", "models", "macros", "docs")]
    files: list[Path] = []
    for root in roots:
        files += [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    hits = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if "../shared" in line
    ]
    assert not hits, "\n".join(hits)
