"""A prebuilt trace database gives the same outputs as the JSONL it was built from.

The database is built here with plain DuckDB SQL, as the published one is described in SPEC 2:
`rounds` (one row per step, scalar fields, round_pk in file order), `timing_events` (round_pk,
1-based event_index) and `tool_calls`; the older variant lacks event_index.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from trace_atlas import outputs

import reference
from atlas_testkit import PROJECT_DIR, PipelineRun, dbt_environment
from test_end_to_end import SPEC_FILES

DBT = str(Path(sys.executable).with_name("dbt"))


def build_trace_database(trace: Path, database: Path, with_event_index: bool) -> None:
    position = (
        "unnest(generate_series(1, len(timing_events))) as event_index," if with_event_index else ""
    )
    events = 'struct(event_type varchar, "timestamp" varchar, source varchar)[]'
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            f"""
            create table raw_steps as
            select row_number() over () - 1 as round_pk, *
            from read_json('{trace}', format = 'newline_delimited', columns = {{
                'provider': 'varchar', 'session_id': 'varchar', 'round_index': 'bigint',
                'round_id': 'varchar', 'trace_key': 'varchar', 'model': 'varchar',
                'prefix_tokens': 'bigint', 'newly_append_tokens': 'bigint',
                'input_tokens_total': 'bigint', 'output_tokens': 'bigint',
                'first_input_event_type': 'varchar',
                'timing_events': '{events}',
                'tools': 'struct(tool_index bigint, tool_name varchar)[]'
            }})
            """
        )
        connection.execute(
            "create table rounds as select * exclude (timing_events, tools) from raw_steps"
        )
        connection.execute(
            f"""
            create table timing_events as
            select round_pk, {position} unnest(timing_events, recursive := true)
            from raw_steps where len(timing_events) > 0 order by round_pk
            """
        )
        connection.execute(
            """
            create table tool_calls as
            select round_pk, unnest(tools, recursive := true)
            from raw_steps where len(tools) > 0
            """
        )
        connection.execute("drop table raw_steps")


def run_from_database(database: Path, workdir: Path) -> PipelineRun:
    workdir.mkdir(parents=True, exist_ok=True)
    env = dbt_environment("unused-in-database-mode.jsonl", workdir / "atlas.duckdb")
    env["TRACE_ATLAS_INPUT"] = "trace_db"
    env["TRACE_ATLAS_INPUT_DB"] = str(database)
    built = subprocess.run(
        [
            DBT,
            "build",
            "--target",
            "duckdb_from_db",
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        pytest.fail(f"dbt build from the database failed:\n{built.stdout[-6000:]}")
    out = workdir / "out"
    outputs.write_outputs(
        out,
        database=workdir / "atlas.duckdb",
        manifest_path=workdir / "target" / "manifest.json",
        hashes=workdir / "target" / "input_hashes.json",
        no_plots=True,
    )
    return PipelineRun(workdir / "atlas.duckdb", workdir / "target", out, built.stdout)


@pytest.mark.parametrize("with_event_index", [True, False], ids=["event_index", "insertion_order"])
def test_trace_database_gives_the_jsonl_outputs(tmp_path, traces, with_event_index):
    trace = traces["edge"][0]
    database = tmp_path / "trace.duckdb"
    build_trace_database(trace, database, with_event_index)
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    run = run_from_database(database, tmp_path / "run")

    assert hashlib.sha256(database.read_bytes()).hexdigest() == before, "the input was modified"
    expected = reference.outputs_for([str(trace)])
    for name in (
        *SPEC_FILES,
        "cache_hit_ratio_histogram_data.csv",
        "cache_hit_ratio_band_shares.csv",
    ):
        assert (run.out / name).read_text() == expected[name], name
    manifest = json.loads((run.out / "run_manifest.json").read_text())
    assert manifest["inputs"] == [
        {"path": str(database), "size": database.stat().st_size, "sha256": before}
    ]
    assert manifest["input_kind"] is None or manifest["input_kind"] == "trace_db"


def test_the_runner_reads_a_trace_database_with_db(tmp_path, traces):
    trace = traces["edge"][0]
    database = tmp_path / "trace.duckdb"
    build_trace_database(trace, database, True)
    env = {**__import__("os").environ, "TRACE_ATLAS_DB": str(tmp_path / "atlas.duckdb")}
    command = [sys.executable, "-m", "trace_atlas", "run", "--no-plots"]
    command += ["--db", str(database), "--out", str(tmp_path / "out")]
    command += ["--target-path", str(tmp_path / "target")]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    expected = reference.outputs_for([str(trace)])
    summary = (tmp_path / "out" / "cache_hit_ratio_summary.csv").read_text()
    assert summary == expected["cache_hit_ratio_summary.csv"]
    manifest = json.loads((tmp_path / "out" / "run_manifest.json").read_text())
    assert manifest["input_kind"] == "trace_db"
