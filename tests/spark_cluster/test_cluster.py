"""The project on a Spark cluster: `dbt build --target spark_cluster` through the Thrift server of
a private local standalone cluster (master, 2 workers of 1 core), and every exported file
(figures excepted) byte-identical to the DuckDB engine's on the same trace: a normal, an
edge-case and a quarantine-mode trace. Each build must have run on the standalone master with
both executors taking tasks (trace-atlas spark-cluster run reports spark.master, spark.executors).

The edge-case trace runs the whole `dbt build` (every data test and unit test, as the Spark
session suite does); the normal and quarantine traces build seeds and models only, which is
all the exported files need, to keep the suite short (each statement through the Thrift server
costs a round trip and the driver's planning).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cluster_testkit import CLUSTER_COMMAND, PROJECT_DIR, Cluster, spark_cluster
from trace_atlas import outputs

VENV_BIN = Path(sys.executable).parent
STEPS = 1500
MODELS_ONLY = ["--resource-type", "seed", "--resource-type", "model"]

# Bad lines each engine rejects with the same reason (from tests/test_bad_input.py's kinds), and
# a timestamp that does not parse (kept, counted): quarantine mode sets the rest aside.
EVENT = '{"event_type":"tool_result","timestamp":"2026-06-01T05:41:12.031Z"}'
BASE = '"provider":"claude","newly_append_tokens":10'
BAD_LINES = [
    '{"provider": "claude", "prefix_tokens": 1',
    "[1, 2, 3]",
    '"just text"',
    "",
    "   ",
    "{" + BASE + ',"prefix_tokens":"123","timing_events":[' + EVENT + "]}",
    "{" + BASE + ',"prefix_tokens":-5,"timing_events":[' + EVENT + "]}",
    "{" + BASE + ',"prefix_tokens":5,"timing_events":{"a":1}}',
    "{" + BASE + ',"prefix_tokens":5,"timing_events":[' + EVENT + ",7]}",
    '{"prefix_tokens":1e21}',
    "{" + BASE + ',"prefix_tokens":5,"timing_events":[{"event_type":"user_message",'
    '"timestamp":"yesterday at noon"}]}',
]


def generate_trace(path: Path, steps: int, *extra: str) -> Path:
    command = [sys.executable, str(PROJECT_DIR / "tools" / "generate_trace.py")]
    subprocess.run([*command, "--steps", str(steps), *extra, "-o", str(path)], check=True)
    return path


def quarantine_trace(path: Path) -> Path:
    """A generated trace with the bad lines spread through it."""
    good = generate_trace(path.with_name("good.jsonl"), STEPS).read_text().splitlines()
    lines = list(good)
    for index, bad in enumerate(BAD_LINES):
        lines.insert(7 + index * (len(good) // len(BAD_LINES)), bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Absolute paths: the executors read the trace, from their own working folders."""
    folder = tmp_path_factory.mktemp("cluster-traces").resolve()
    return {
        "normal": generate_trace(folder / "normal.jsonl", STEPS),
        "edge": generate_trace(folder / "edge.jsonl", STEPS, "--edge-cases"),
        "quarantine": quarantine_trace(folder / "quarantine.jsonl"),
    }


def dbt_command(workdir: Path, *args: str) -> list[str]:
    return [
        str(VENV_BIN / "dbt"),
        "build",
        *args,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]


def run(command: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"{what} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return result


def write_outputs(workdir: Path, engine: str, spark_dir: Path | None = None) -> Path:
    """The writer, in-process (it reads a Spark build's parquet files with DuckDB)."""
    out = workdir / "out"
    outputs.write_outputs(
        out,
        workdir / "atlas.duckdb",
        workdir / "target" / "manifest.json",
        engine,
        spark_dir or PROJECT_DIR / "target" / "spark",
        no_plots=True,
    )
    return out


def build_on_cluster(
    cluster: Cluster, trace: Path, workdir: Path, env: dict[str, str], args: list[str]
) -> dict[str, object]:
    """dbt build --target spark_cluster under trace-atlas spark-cluster run; its report."""
    report = workdir / "run-report.json"
    command = [*CLUSTER_COMMAND, "run", "--dir", str(cluster.directory)]
    command += ["--report", str(report), "--"]
    command += dbt_command(workdir, "--target", "spark_cluster", *args)
    build_env = cluster.env | env | {"TRACE_ATLAS_TRACE": str(trace), "DO_NOT_TRACK": "1"}
    build_env["DBT_PROFILES_DIR"] = str(PROJECT_DIR)
    result = run(command, build_env, f"dbt build --target spark_cluster on {trace.name}")
    assert "ERROR=0" in result.stdout and "SKIP=0" in result.stdout, result.stdout[-3000:]
    return json.loads(report.read_text())


def build_on_duckdb(trace: Path, workdir: Path, env: dict[str, str], args: list[str]) -> None:
    build_env = dict(os.environ) | env
    build_env |= {
        "TRACE_ATLAS_TRACE": str(trace),
        "TRACE_ATLAS_DB": str(workdir / "atlas.duckdb"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DO_NOT_TRACK": "1",
    }
    run(dbt_command(workdir, *args), build_env, f"dbt build (DuckDB) on {trace.name}")


# What run_manifest.json says about the build itself (engine, target, versions, invocation,
# times) rather than about the trace and the results.
BUILD_FACTS = {
    "engine",
    "target",
    "adapter",
    "adapter_version",
    "dbt_invocation_id",
    "started_at",
    "build_finished_at",
    "written_at",
    "spark.master",
    "spark.executors",
}


def exported_files(out: Path) -> dict[str, bytes]:
    """Every file the writer put in an output folder, as the engines must agree on it: figures
    (PNG metadata) and the atlas page and its context (they name the engine and invocation)
    left out, the run manifest without its facts about the build."""
    files = {}
    for path in sorted(out.iterdir()):
        if path.suffix == ".png" or path.name in {"index.html", "page_context.json"}:
            continue
        if path.name == "run_manifest.json":
            manifest = json.loads(path.read_text())
            manifest = {key: value for key, value in manifest.items() if key not in BUILD_FACTS}
            files[path.name] = json.dumps(manifest, sort_keys=True).encode()
        else:
            files[path.name] = path.read_bytes()
    return files


# Files holding dollar totals: each engine adds the dollars of many steps in its own order, so
# these agree within 1e-9 relative (as with the reference); every other cell exactly.
DOLLAR_FILES = {
    "cache_cost_summary.csv",
    "cache_ttl_whatif.csv",
    "human_idle_cache_counterfactual_summary.csv",
    "usage_by_day.csv",
    "cache_by_day.csv",
    "cache_headline.csv",
    "cache_miss_ledger.csv",
}


def same_cells(left: bytes, right: bytes) -> bool:
    """Same rows and cells; two numbers may differ by 1e-9 relative."""
    left_rows = list(csv.reader(io.StringIO(left.decode())))
    right_rows = list(csv.reader(io.StringIO(right.decode())))
    if [len(row) for row in left_rows] != [len(row) for row in right_rows]:
        return False
    for left_row, right_row in zip(left_rows, right_rows, strict=True):
        for one, other in zip(left_row, right_row, strict=True):
            if one == other:
                continue
            try:
                if not math.isclose(float(one), float(other), rel_tol=1e-9, abs_tol=1e-12):
                    return False
            except ValueError:
                return False
    return True


CASES = {
    "edge": ({}, []),
    "normal": ({}, MODELS_ONLY),
    "quarantine": ({"TRACE_ATLAS_ON_BAD_LINES": "quarantine"}, MODELS_ONLY),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cluster_build_writes_duckdbs_bytes_on_two_executors(
    cluster: Cluster, traces: dict[str, Path], tmp_path: Path, case: str
) -> None:
    env, args = CASES[case]
    report = build_on_cluster(cluster, traces[case], tmp_path / "cluster", env, args)
    assert report["spark.master"] == cluster.master_url, f"not the standalone master: {report}"
    assert report["spark.executors"] == 2, f"expected both executors to run tasks: {report}"
    cluster_out = write_outputs(tmp_path / "cluster", "spark", cluster.directory)

    build_on_duckdb(traces[case], tmp_path / "duckdb", env, args)
    duckdb_out = write_outputs(tmp_path / "duckdb", "duckdb")

    cluster_files, duckdb_files = exported_files(cluster_out), exported_files(duckdb_out)
    assert sorted(cluster_files) == sorted(duckdb_files)
    different = [
        name
        for name in duckdb_files
        if cluster_files[name] != duckdb_files[name]
        and not (name in DOLLAR_FILES and same_cells(cluster_files[name], duckdb_files[name]))
    ]
    assert not different, f"cluster and DuckDB outputs differ in {different} ({case} trace)"
    if case == "quarantine":
        rejected = (cluster_out / "rejected_lines.csv").read_text().splitlines()
        # the header; kept: the two blank lines, and the bad timestamp and the later event that is
        # not an object (warnings: no output reads them)
        assert len(rejected) == 1 + len(BAD_LINES) - 4


def test_a_second_up_starts_nothing_and_status_sees_the_cluster(cluster: Cluster) -> None:
    script = list(CLUSTER_COMMAND)
    started = time.monotonic()
    up = run([*script, "up", "--dir", str(cluster.directory)], cluster.env, "a second up")
    assert "already running" in up.stdout and time.monotonic() - started < 30
    status = run([*script, "status", "--dir", str(cluster.directory)], cluster.env, "status")
    assert "2 worker(s) alive" in status.stdout and "2 executor(s)" in status.stdout
    assert status.stdout.count(" running") == 4 and "NOT RUNNING" not in status.stdout
    executors = run(
        [*script, "executors", "--json", "--dir", str(cluster.directory)], cluster.env, "executors"
    )
    app = json.loads(executors.stdout)
    assert app["master"] == cluster.master_url and app["active"] == 2
    # spark-daemon.sh kept its pid files and logs in the cluster's folder
    assert len(list((cluster.directory / "pids").glob("*.pid"))) == 4
    assert len(list((cluster.directory / "logs").glob("*.out"))) == 4


def test_down_without_a_cluster_is_a_no_op(tmp_path: Path) -> None:
    command = [*CLUSTER_COMMAND, "down", "--dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "nothing to stop" in result.stdout


def test_a_port_in_use_is_replaced_by_a_free_one(monkeypatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for variable, _ in spark_cluster.PORT_DEFAULTS.values():
            monkeypatch.setenv(variable, str(port))
        ports = spark_cluster.free_ports()
    assert len(ports) == 6 and port not in ports.values()
    assert len(set(ports.values())) == 6


def application(
    master: str, tasks: dict[str, int], app_id: str = "app-1"
) -> spark_cluster.Application:
    return spark_cluster.Application(app_id, master, tasks, len(tasks))


def test_executor_usage_counts_executors_that_ran_tasks_and_shows_a_local_master() -> None:
    before = application("spark://127.0.0.1:7177", {"0": 10, "1": 5})
    after = application("spark://127.0.0.1:7177", {"0": 30, "1": 5, "2": 4})
    usage = spark_cluster.executor_usage(before, after)
    assert usage.executors == 2 and usage.tasks_by_executor == {"0": 20, "2": 4}
    # A Thrift server on a local master: the driver ran the tasks, and the master says so.
    local = spark_cluster.executor_usage(
        application("local[2]", {"driver": 3}), application("local[2]", {"driver": 9})
    )
    assert (local.master, local.executors, local.tasks_by_executor) == (
        "local[2]",
        1,
        {"driver": 6},
    )
    with pytest.raises(spark_cluster.ClusterError, match="restarted"):
        spark_cluster.executor_usage(before, application("spark://x", {}, app_id="app-2"))
