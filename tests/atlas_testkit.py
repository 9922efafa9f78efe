"""Helpers shared by the pipeline tests: generated traces and a runner of the whole pipeline in a
private folder (database, dbt target and outputs under a temporary directory).

A module with its own name, not conftest.py: the Spark suite has a conftest of its own, and
`from conftest import ...` would pick whichever was imported first."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from trace_atlas import outputs

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DBT = str(VENV_BIN / "dbt")


@dataclass(frozen=True)
class PipelineRun:
    """Where one run of the pipeline left its database, dbt artifacts and outputs."""

    database: Path
    target: Path
    out: Path
    dbt_log: str


def generate_trace(path: Path, steps: int, *extra: str) -> Path:
    """Write a generated trace with the project's generator; return its path."""
    command = [sys.executable, str(PROJECT_DIR / "tools" / "generate_trace.py")]
    subprocess.run([*command, "--steps", str(steps), *extra, "-o", str(path)], check=True)
    return path


def dbt_environment(trace: str, database: Path) -> dict[str, str]:
    return os.environ | {
        "TRACE_ATLAS_INPUT": "trace",
        "TRACE_ATLAS_TRACE": trace,
        "TRACE_ATLAS_DB": str(database),
        "DO_NOT_TRACK": "1",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }


def engine_environment(engine: str, workdir: Path) -> dict[str, str]:
    """The Spark engine keeps its warehouse and metastore in a private folder under workdir."""
    if engine == "spark":
        return {"TRACE_ATLAS_SPARK_DIR": str(workdir / "spark"), "SPARK_LOCAL_IP": "127.0.0.1"}
    return {}


def run_dbt(
    args: list[str],
    trace: str,
    workdir: Path,
    env: dict[str, str] | None = None,
    engine: str = "duckdb",
) -> subprocess.CompletedProcess[str]:
    """dbt in the project, with a private database (DuckDB file or Spark folder), target and
    log folder under workdir; engine `spark` runs the `spark` target."""
    command = [
        DBT,
        *args,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
    if engine == "spark":
        command += ["--target", "spark"]
    return subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=dbt_environment(trace, workdir / "atlas.duckdb")
        | engine_environment(engine, workdir)
        | (env or {}),
        capture_output=True,
        text=True,
        check=False,
    )


def run_pipeline(
    trace: str,
    workdir: Path,
    plots: bool = False,
    env: dict[str, str] | None = None,
    engine: str = "duckdb",
    expect_failure: bool = False,
    dbt_args: list[str] | None = None,
) -> PipelineRun:
    """dbt build (models, dbt data tests, unit tests; `dbt_args` added) then the export writer."""
    workdir.mkdir(parents=True, exist_ok=True)
    built = run_dbt(["build", *(dbt_args or [])], trace, workdir, env, engine)
    if expect_failure:
        assert built.returncode != 0, "dbt build passed although it should have failed"
        out = workdir / "out"
        return PipelineRun(workdir / "atlas.duckdb", workdir / "target", out, built.stdout)
    if built.returncode != 0:
        pytest.fail(f"dbt build failed on {trace}:\n{built.stdout[-6000:]}\n{built.stderr}")
    out = workdir / "out"
    try:
        outputs.write_outputs(
            out,
            database=workdir / "atlas.duckdb",
            manifest_path=workdir / "target" / "manifest.json",
            engine=engine,
            spark_dir=workdir / "spark",
            hashes=workdir / "target" / "input_hashes.json",
            no_plots=not plots,
        )
    except outputs.OutputError as error:
        pytest.fail(f"writing the outputs failed: {error}")
    return PipelineRun(workdir / "atlas.duckdb", workdir / "target", out, built.stdout)
