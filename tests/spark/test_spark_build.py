"""The Spark engine end to end: `dbt build --target spark` (every model, dbt data test and unit
test) on generated traces, and every exported file byte-identical to the DuckDB engine's on the
same trace -- the means too (mean_of_ratios sums exact integers, so no summation order shows).

Each Spark build starts its own JVM (dbt-spark's session method) with a private warehouse and
metastore under the test's folder; the DuckDB builds run beside them for the comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb as duckdb_engine
import pytest

from atlas_testkit import PROJECT_DIR, PipelineRun, generate_trace, run_dbt, run_pipeline

pytestmark = pytest.mark.usefixtures("spark_engine")

STEPS = 3000


@pytest.fixture(scope="module")
def small_traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spark-traces")
    return {
        "normal": generate_trace(folder / "normal.jsonl", STEPS),
        "edge": generate_trace(folder / "edge.jsonl", STEPS, "--edge-cases"),
    }


def exported_files(out: Path) -> dict[str, bytes]:
    """Every file the writer put in an output folder (figures excepted: PNG metadata; and the
    atlas page, issue 14, which names the engine and the dbt invocation that built it)."""
    return {
        path.name: path.read_bytes()
        for path in sorted(out.iterdir())
        if path.suffix != ".png" and path.name != "index.html"
    }


def assert_same_outputs(spark: Path, duckdb: Path) -> None:
    spark_files, duckdb_files = exported_files(spark), exported_files(duckdb)
    assert sorted(spark_files) == sorted(duckdb_files)
    different = [name for name in duckdb_files if spark_files[name] != duckdb_files[name]]
    assert not different, f"Spark and DuckDB outputs differ in {different}"


def assert_build_ran_every_test(run: PipelineRun) -> None:
    log = run.dbt_log
    assert "ERROR=0" in log and "SKIP=0" in log, log[-3000:]
    assert "unit_test" in log or "unit tests" in log, "the unit tests did not run"
    assert "data tests" in log


def spark_table(run_folder: Path, table: str) -> str:
    """A DuckDB table expression reading a table the Spark engine built (parquet)."""
    return f"read_parquet('{run_folder}/spark/warehouse/trace_atlas.db/{table}/*.parquet')"


def test_edge_case_trace_builds_on_spark_with_duckdbs_outputs(small_traces, tmp_path):
    trace = str(small_traces["edge"])
    spark = run_pipeline(trace, tmp_path / "spark-run", engine="spark")
    assert_build_ran_every_test(spark)
    duckdb = run_pipeline(trace, tmp_path / "duckdb-run")
    assert_same_outputs(spark.out, duckdb.out)
    # The one scan of the trace: every line's typed fields, of the same types, on both engines.
    with duckdb_engine.connect(str(duckdb.database), read_only=True) as connection:
        query = "select * from {} order by input_row"
        expected = connection.execute(query.format("base_trace__lines"))
        expected_types = [(column[0], column[1]) for column in expected.description]
        expected_rows = expected.fetchall()
        got = connection.execute(
            query.format(spark_table(tmp_path / "spark-run", "base_trace__lines"))
        )
        assert [(column[0], column[1]) for column in got.description] == expected_types
        assert got.fetchall() == expected_rows


def test_make_run_engine_spark_writes_duckdbs_outputs_and_figures(small_traces, tmp_path):
    # What `make run ENGINE=spark` runs: the lock on the Spark folder, dbt build, the writer
    # reading the warehouse's parquet tables, and the figures.
    trace = str(small_traces["normal"])
    env = os.environ | {
        "TRACE_ATLAS_SPARK_DIR": str(tmp_path / "spark"),
        "DO_NOT_TRACK": "1",
    }
    env.pop("SPARK_LOCAL_IP", None)  # run_pipeline.py sets it
    command = [sys.executable, str(PROJECT_DIR / "scripts" / "run_pipeline.py")]
    command += ["--engine", "spark", "--trace", trace, "--out", str(tmp_path / "out")]
    command += ["--target-path", str(tmp_path / "target")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ERROR=0" in result.stdout
    assert (tmp_path / "spark.run-lock").exists()
    assert (tmp_path / "spark" / "warehouse").is_dir()
    for name in ("cache_hit_ratio_histogram.png", "cache_hit_ratio_append_weighted_histogram.png"):
        assert (tmp_path / "out" / name).stat().st_size > 10_000, name
    duckdb = run_pipeline(trace, tmp_path / "duckdb-run")
    assert_same_outputs(tmp_path / "out", duckdb.out)


# Bad lines beyond tests/test_bad_input.py's, each rejected by both engines with the same reason,
# field and words: numbers DuckDB's JSON writer spells its own way ('1e21', '0.0000125'), the
# edges of its UBIGINT / BIGINT types, escaped strings, nested values, non-objects.
MORE_BAD_LINES = (
    [
        '{"prefix_tokens":' + value + "}"
        for value in [
            "1e21",
            "1.25e-5",
            "1e-7",
            "-1e21",
            "123456789e13",
            "100e-2",
            "-0.0",
            "1e20",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890123456789012",
            '{"b":2,"a":[1,{"c":null}]}',
            "[]",
            r'"caf\u00e9\n\u0001"',
            '""',
        ]
    ]
    + [
        '{"timing_events":[' + value + "]}"
        for value in ["1e400", "-5", "12345678901234567890", '"x"', "false", "[{}]", '{"a":1},null']
    ]
    + [
        '{"tools":5.5}',
        '{"tools":-1}',
        '{"timing_events":"2026"}',
        "1e21",
        "12345678901234567890",
        "-12345678901234567890",
        "1.0",
        "null",
        '{"a":1} x',
        '{"a":1}{"b":2}',
        "{'a':1}",
        '{"round_index":-1,"prefix_tokens":"5"}',
    ]
)

# Timestamps kept in quarantine mode, each counted as unparseable or not alike by both engines.
TIMESTAMPS = [
    "2026-06-01T05:41:12Z",
    "2026-06-01",
    "2026-06-01 05:41:12.031Z",
    "2026-06-01T05:41",
    "2026-06-01T05:41:12.1234567Z",
    "2026-06-01T05:41:12+0200",
    "2026-06-01T05:41:12 UTC",
    "2026-6-1T5:41:12Z",
    " 2026-06-01T05:41:12Z",
    "2026",
    "2026-06",
    "2026-06-01T05",
    "2026-06-31T05:41:12Z",
    "2026-06-01T25:41:12Z",
    "20260601",
    "5",
    "yesterday",
    "+2026-06-01T05:41:12Z",
    "2026-06-01t05:41:12Z",
]


def test_bad_lines_are_set_aside_with_duckdbs_reasons_and_words(tmp_path):
    # Every bad-line case of tests/test_bad_input.py and more, in quarantine mode:
    # rejected_lines.csv, the audit and every other output are the same bytes on both engines.
    from test_bad_input import BAD_LINES, GOOD_STEPS, write_trace

    lines = [GOOD_STEPS[0], "", "   "]
    for index, (_, bad_line, reason, _, _) in enumerate(BAD_LINES):
        lines.append(GOOD_STEPS[10 + index])
        if reason != "bad_timestamp":  # kept in quarantine mode (a warning), like TIMESTAMPS
            lines.append(bad_line)
    lines += MORE_BAD_LINES
    for timestamp in TIMESTAMPS:
        event = {"event_type": "user_message", "timestamp": timestamp}
        lines.append(json.dumps({"provider": "claude", "timing_events": [event]}))
    lines += GOOD_STEPS[100:200]
    trace = str(write_trace(tmp_path / "trace.jsonl", lines))
    quarantine = {"TRACE_ATLAS_ON_BAD_LINES": "quarantine"}
    spark = run_pipeline(trace, tmp_path / "spark-run", env=quarantine, engine="spark")
    duckdb = run_pipeline(trace, tmp_path / "duckdb-run", env=quarantine)
    rejected = (spark.out / "rejected_lines.csv").read_text().splitlines()
    assert len(rejected) == 1 + len(BAD_LINES) - 1 + len(MORE_BAD_LINES)
    assert_same_outputs(spark.out, duckdb.out)


def test_strict_mode_stops_at_the_first_bad_line_with_duckdbs_message(tmp_path):
    from test_bad_input import BAD_LINES, trace_with, write_trace

    _, bad_line, reason, field, problem = next(
        case for case in BAD_LINES if case[0] == "token_string"
    )
    trace = write_trace(tmp_path / "bad.jsonl", trace_with(bad_line))
    result = run_dbt(["run", "--select", "base_trace__lines"], str(trace), tmp_path, engine="spark")
    assert result.returncode != 0
    expected = f"Bad trace line: {trace}, line 5: field {field}: {problem} [{reason}]"
    assert expected in result.stdout, result.stdout[-3000:]


def test_a_trace_database_is_a_clear_error_on_spark(tmp_path):
    database = tmp_path / "pool.duckdb"
    database.write_bytes(b"")
    command = [sys.executable, str(PROJECT_DIR / "scripts" / "run_pipeline.py")]
    command += ["--engine", "spark", "--db-input", str(database), "--out", str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2
    assert "read by the DuckDB engine only" in result.stderr
    assert not (tmp_path / "out").exists()
