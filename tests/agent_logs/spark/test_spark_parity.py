"""Spark parity on a small sample of raw logs: `dbt build --target spark` (every model, data
test and unit test of the agent-log path) gives the same steps, timing events and tool calls
(the rows the normalized export nests) and the same output files, byte for byte, as the DuckDB
engine -- and the DuckDB export equals the reference's steps. The export itself is written by
DuckDB only (`normalize` on Spark is refused).

The sample has every edge case of the generator and a few bad lines (quarantine). One Spark build
(a local JVM, private warehouse and metastore under the test's folder) takes minutes here.
"""

from __future__ import annotations

import subprocess

import pytest
from agent_log_kit import (
    PROJECT_DIR,
    SPEC_FILES,
    Run,
    environment,
    generate,
    read_lines,
    ref,
    reference_lines,
    run_pipeline,
    write_normalized,
)
from trace_atlas import outputs

pytestmark = pytest.mark.usefixtures("spark_engine")
COMPARED = (
    *SPEC_FILES,
    "agent_log_audit.csv",
    "rejected_lines.csv",
    "cache_hit_ratio_step_audit.csv",
    "line_warnings.csv",
)
NESTED = ("int_agent_log_steps_kept", "int_timing_events_unioned", "int_tool_calls_unioned")


def spark_build(workdir, claude, codex) -> Run:
    """dbt build on Spark, then the output files from its warehouse."""
    env = environment(workdir) | {
        "TRACE_ATLAS_INPUT": "agent_logs",
        "TRACE_ATLAS_CLAUDE_LOGS": str(claude),
        "TRACE_ATLAS_CODEX_LOGS": f"{codex / 'sessions'},{codex / 'archived_sessions'}",
        "TRACE_ATLAS_ON_BAD_LINES": "quarantine",
    }
    dbt = str(PROJECT_DIR / ".venv" / "bin" / "dbt")
    command = [dbt, "build", "--target", "spark", "--target-path", str(workdir / "target")]
    command += ["--log-path", str(workdir / "logs")]
    built = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-4000:]
    assert "ERROR=0" in built.stdout and "SKIP=0" in built.stdout
    outputs.write_outputs(
        workdir / "out",
        database=workdir / "atlas.duckdb",
        manifest_path=workdir / "target" / "manifest.json",
        engine="spark",
        spark_dir=workdir / "spark",
        hashes=workdir / "target" / "hashes.json",
        no_plots=True,
    )
    return Run(workdir, built)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("parity")
    claude, codex = generate(folder / "logs", 120, "--edge-cases", "--bad-lines")
    duckdb_run = run_pipeline(
        folder / "duckdb", claude, codex / "sessions", "--on-bad-lines", "quarantine"
    )
    assert duckdb_run.result.returncode == 0, duckdb_run.result.stderr[-3000:]
    spark_run = spark_build(folder / "spark", claude, codex)
    return {
        "expected": ref.normalize([claude], [codex]),
        "duckdb": (duckdb_run, write_normalized(duckdb_run, folder / "duckdb.jsonl")),
        "spark": (spark_run, None),
    }


def test_the_duckdb_export_equals_the_reference(engines):
    assert engines["duckdb"][1] == reference_lines(engines["expected"].steps)


@pytest.mark.parametrize("model", NESTED)
def test_the_rows_the_export_nests_are_the_same_on_both_engines(engines, model):
    rows = {}
    for engine in ("duckdb", "spark"):
        run = engines[engine][0]
        reader = outputs.MartReader(engine, run.database, run.workdir / "spark")
        try:
            schema = "main" if engine == "duckdb" else "trace_atlas"
            relation = reader.relation(schema, model)
            rows[engine] = reader.connection.execute(
                f"select * from {relation} order by all"
            ).fetchall()
        finally:
            reader.close()
    assert rows["spark"] == rows["duckdb"], model


@pytest.mark.parametrize("name", COMPARED)
def test_every_output_file_is_the_same_on_both_engines(engines, name):
    spark_out, duckdb_out = engines["spark"][0].out, engines["duckdb"][0].out
    assert read_lines(spark_out / name) == read_lines(duckdb_out / name), name
