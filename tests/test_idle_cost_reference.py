"""The idle-gap and thinking-time tables against the independent reference (idle_cost_reference.py)
on generated inputs of every kind: a normal trace, a trace with the rare rows (negative gaps, no
timestamps, a step's own tool results, ties, unpriced and family-priced models) split over two
gzip files, the trace database built from it, and raw agent logs. One dbt build per input (the
idle-cost marts and what they read, with their tests); every cell is compared: integers, text,
gaps, percentiles and shares exactly, dollar sums and means (float sums whose order differs)
within 1e-9 relative."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from trace_atlas import outputs, prices

import cache_bill_reference as bill_reference
import idle_cost_reference as reference
import raw_logs_reference
from atlas_testkit import DBT, PROJECT_DIR, dbt_environment, generate_trace

FILES = ("cache_hit_idle_gap_summary.csv", "human_idle_cache_counterfactual_summary.csv")
MARTS = (
    "cache_hit_idle_gap_summary", "human_idle_cache_counterfactual_summary", "unpriced_models",
    "human_idle_cache_counterfactual_table", "cache_miss_ledger", "cache_cost_summary",
    "cache_ttl_whatif", "usage_by_day", "cache_by_day",
)  # fmt: skip
# The bill and the miss ledger (cache_bill_reference.py), built by the same builds.
BILL_FILES = (
    "cache_miss_ledger.csv",
    "cache_cost_summary.csv",
    "cache_ttl_whatif.csv",
    "usage_by_day.csv",
    "cache_by_day.csv",
)
BILL_SUMMED = {
    "dollars_lost", "share_of_input_usd", "uncached_input_usd", "cache_read_usd",
    "cache_write_5m_usd", "cache_write_1h_usd", "input_usd", "output_usd", "observed_input_usd",
    "all_5m_input_usd", "all_1h_input_usd",
}  # fmt: skip
# Float sums in another order than the reference's (file order): equal within 1e-9 relative.
SUMMED = {
    "observed_input_cost_usd", "counterfactual_input_cost_usd", "input_cost_reduction_usd",
    "observed_total_cost_usd", "counterfactual_total_cost_usd", "total_cost_reduction_usd",
    "total_cost_reduction_pct", "cost_saved_per_reduced_step_avg_usd",
    "idle_gap_per_reduced_step_avg_seconds",
}  # fmt: skip


def build(
    workdir: Path, env: dict[str, str], target: str | None = None, extra: tuple = ()
) -> dict[str, str]:
    """dbt build of the idle-cost and bill marts (upstream models and their tests); the files'
    text."""
    command = [DBT, "build", *extra, "--select", "+path:models/marts/idle_cost"]
    command += ["+path:models/marts/cache_bill", "--indirect-selection"]
    command += ["cautious", "--target-path", str(workdir / "target")]
    command += ["--log-path", str(workdir / "logs")] + (["--target", target] if target else [])
    built = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-6000:]
    manifest = outputs.read_manifest(workdir / "target" / "manifest.json")
    specs = [spec for spec in outputs.output_specs(manifest) if spec.model in MARTS]
    reader = outputs.MartReader("duckdb", workdir / "atlas.duckdb", workdir)
    try:
        docs = outputs.docs_blocks(manifest)
        return {spec.file: outputs.render(outputs.load_table(reader, spec), docs) for spec in specs}
    finally:
        reader.close()


def assert_same_cells(built: str, expected: str, name: str, summed: set[str] = SUMMED) -> None:
    built_rows, expected_rows = built.splitlines(), expected.splitlines()
    assert built_rows[0] == expected_rows[0], name
    header = built_rows[0].split(",")
    assert len(built_rows) == len(expected_rows), name
    for built_row, expected_row in zip(built_rows[1:], expected_rows[1:], strict=True):
        for column, got, want in zip(
            header, built_row.split(","), expected_row.split(","), strict=True
        ):
            if column in summed and got and want:
                assert float(got) == pytest.approx(float(want), rel=1e-9, abs=1e-12), (name, column)
            else:
                assert got == want, (name, expected_row.split(",")[0], column)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("idle_cost")


@pytest.fixture(scope="module")
def rare_trace(folder: Path) -> list[Path]:
    first = generate_trace(
        folder / "rare" / "trace.jsonl.gz",
        3000,
        "--edge-cases",
        "--idle-edge-cases",
        "--files",
        "2",
    )
    return sorted(first.parent.glob("trace-*.jsonl.gz"))


# A user's price table (PRICES=path.csv): a later row of a key replaces an earlier one, a model
# without a 5-minute write rate pays its input rate, a family limited to one provider comes
# before a family of every provider, and haiku is not priced at all.
USER_PRICES = [
    "provider,model,match,match_order,applies_from,input_per_mtok,cache_write_5m_per_mtok,"
    "cache_write_1h_per_mtok,cache_read_per_mtok,output_per_mtok",
    "claude,claude-opus-4-8,exact,1,2026-01-01,5,6.25,10,0.5,25",
    "claude,claude-opus-4-8,exact,2,2026-07-01,15,18.75,30,1.5,75",
    "claude,claude-sonnet-4-6,exact,3,2026-07-01,3,,6,0.3,15",
    "codex,gpt-5.1,family,4,2026-07-01,1.25,,,0.125,10",
    ",gpt-5,family,5,2026-07-01,2,,,0.2,16",
]


@pytest.fixture(scope="module")
def user_prices(folder: Path) -> Path:
    path = folder / "my prices.csv"
    path.write_text("\n".join(USER_PRICES) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def normal_run(folder: Path, user_prices: Path) -> tuple[list[Path], dict[str, str]]:
    """The normal trace, priced by the user's table as the runner hands it to dbt."""
    trace = [generate_trace(folder / "normal.jsonl", 2500)]
    workdir = folder / "normal_run"
    env = dbt_environment(str(trace[0]), workdir / "atlas.duckdb")
    return trace, build(workdir, env, extra=tuple(prices.read(str(user_prices)).dbt_vars()))


@pytest.fixture(scope="module")
def rare_run(folder: Path, rare_trace: list[Path]) -> dict[str, str]:
    workdir = folder / "rare_run"
    trace = ",".join(str(path) for path in rare_trace)
    return build(workdir, dbt_environment(trace, workdir / "atlas.duckdb"))


@pytest.mark.parametrize("name", FILES)
def test_normal_trace(normal_run, user_prices, name):
    trace, built = normal_run
    steps = reference.read_steps([str(path) for path in trace])
    expected = {
        "cache_hit_idle_gap_summary.csv": reference.idle_gap_summary(steps),
        "human_idle_cache_counterfactual_summary.csv": reference.counterfactual_summary(
            steps, reference.Prices.from_csv(user_prices)
        ),
    }
    assert_same_cells(built[name], expected[name], name)


def test_a_user_price_file_changes_the_dollars(normal_run):
    """The user's table, not the seed, priced the normal trace: its date, its unpriced model,
    and dollars the seed's prices do not give."""
    trace, built = normal_run
    steps = reference.read_steps([str(path) for path in trace])
    rows = list(csv.DictReader(io.StringIO(built["human_idle_cache_counterfactual_summary.csv"])))
    seeded = list(csv.DictReader(io.StringIO(reference.counterfactual_summary(steps))))
    assert [row["pricing_as_of"] for row in rows] == ["2026-07"] * 3
    assert [row["pricing_as_of"] for row in seeded] == ["2026-06"] * 3
    for mine, seed in zip(rows, seeded, strict=True):
        assert float(mine["observed_total_cost_usd"]) != float(seed["observed_total_cost_usd"])
    assert int(rows[1]["unpriced_rounds"]) > int(seeded[1]["unpriced_rounds"]) == 0
    unpriced = built["human_idle_cache_unpriced_models.csv"].splitlines()
    assert [line.split(",")[:2] for line in unpriced[1:]] == [["claude", "claude-haiku-4-5"]]


BAD_PRICE_LINES = [
    ("claude,claude-opus-4-8,exact,9,2026-06-01,5,6.25,10,0.5", "9 values for 10 columns"),
    ("claude,claude-opus-4-8,exact,9,2026-06-01,five,6.25,10,0.5,25", "input_per_mtok 'five'"),
    ("claude,claude-opus-4-8,exact,9,2026-13-01,5,6.25,10,0.5,25", "applies_from '2026-13-01'"),
    ("claude,claude-opus-4-8,exact,9,,5,6.25,10,0.5,25", "applies_from is empty"),
]


@pytest.mark.parametrize(("line", "problem"), BAD_PRICE_LINES)
def test_a_bad_price_file_is_refused_with_its_file_and_line(tmp_path, line, problem):
    """Checked before dbt starts: the error names the file and the line; nothing is written."""
    path = tmp_path / "prices.csv"
    path.write_text("\n".join([*USER_PRICES[:3], line, *USER_PRICES[3:]]) + "\n")
    out, database = tmp_path / "out", tmp_path / "atlas.duckdb"
    trace = generate_trace(tmp_path / "small.jsonl", 20)
    command = [sys.executable, "-m", "trace_atlas", "run", "--no-plots", "--out", str(out)]
    ran = subprocess.run(
        [*command, "--trace", str(trace)],
        cwd=PROJECT_DIR,
        env=dbt_environment(str(trace), database) | {"PRICES": str(path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert f"{path}, line 4: " in ran.stderr and problem in ran.stderr, ran.stderr
    assert not out.exists() and not database.exists()


@pytest.mark.parametrize("name", BILL_FILES)
def test_bill_normal_trace(normal_run, user_prices, name):
    trace, built = normal_run
    expected = bill_reference.outputs_for([str(p) for p in trace], str(user_prices))[name]
    assert len(expected.splitlines()) > 2, name
    assert_same_cells(built[name], expected, name, BILL_SUMMED)


@pytest.mark.parametrize("name", BILL_FILES)
def test_bill_rare_rows(rare_trace, rare_run, name):
    expected = bill_reference.outputs_for([str(path) for path in rare_trace])[name]
    assert_same_cells(rare_run[name], expected, name, BILL_SUMMED)


@pytest.mark.parametrize("name", FILES)
def test_rare_rows(rare_trace, rare_run, name):
    expected = reference.outputs_for([str(path) for path in rare_trace])
    assert_same_cells(rare_run[name], expected[name], name)


def assert_same_table(
    built: dict[str, str], steps: list[dict], table_prices: reference.Prices | None = None
) -> None:
    """The .md and .tex tables: every cell as the reference formats it, and our caption."""
    markdown, caption = built["human_idle_cache_counterfactual.md"].split("\n\n")
    table_prices = table_prices or reference.REFERENCE_PRICES
    assert markdown + "\n" == reference.counterfactual_markdown(steps, table_prices)
    assert caption.startswith("What the user's thinking time costs")
    tex = built["human_idle_cache_counterfactual.tex"].splitlines()
    rows = tex[tex.index(r"\toprule") + 1 : tex.index(r"\bottomrule")]
    assert "\n".join(rows) + "\n" == reference.counterfactual_latex_rows(steps, table_prices)
    assert r"\caption{What the user's thinking time costs" in "\n".join(tex)


def test_table_normal_trace(normal_run, user_prices):
    trace, built = normal_run
    steps = reference.read_steps([str(path) for path in trace])
    assert_same_table(built, steps, reference.Prices.from_csv(user_prices))


def test_table_rare_rows(rare_trace, rare_run):
    assert_same_table(rare_run, reference.read_steps([str(path) for path in rare_trace]))


def test_unpriced_models_are_named_with_their_steps(rare_trace, rare_run):
    steps = reference.read_steps([str(path) for path in rare_trace])
    counts: dict[tuple[str, str], int] = {}
    for step in steps:
        provider = step.get("provider") if isinstance(step.get("provider"), str) else "unknown"
        if reference.price_of(provider, step.get("model")) is None:
            key = (provider, step.get("model") or "")
            counts[key] = counts.get(key, 0) + 1
    assert ("claude", "mystery-model-7") in counts and ("codex", "") in counts
    lines = rare_run["human_idle_cache_unpriced_models.csv"].splitlines()
    assert lines[0] == "provider,model,steps"
    written = {(row.split(",")[0], row.split(",")[1]): int(row.split(",")[2]) for row in lines[1:]}
    assert written == counts


def utc(text: str) -> str:
    """An ISO 8601 text as a TIMESTAMP in UTC (NULL when it is not one)."""
    return f"cast(try_cast({text} as timestamptz) at time zone 'UTC' as timestamp)"


def trace_database(traces: list[Path], database: Path) -> None:
    """The published database's layout: rounds, timing_events (TIMESTAMP, event_index from 1),
    tool_calls (TIMESTAMP emitted_at / result_at), round_pk in file order."""
    files = "[" + ", ".join(f"'{path}'" for path in traces) + "]"
    events = 'struct(event_type varchar, "timestamp" varchar, tool_call_id varchar)[]'
    tools = (
        "struct(tool_index bigint, tool_call_id varchar, emitted_at varchar, result_at varchar)[]"
    )
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            f"""
            create table raw_steps as
            select row_number() over () - 1 as round_pk, *
            from read_json({files}, format = 'newline_delimited', columns = {{
                'provider': 'varchar', 'session_id': 'varchar', 'round_index': 'bigint',
                'model': 'varchar', 'prefix_tokens': 'bigint', 'newly_append_tokens': 'bigint',
                'output_tokens': 'bigint', 'claude_cache_creation_input_tokens': 'bigint',
                'timing_events': '{events}', 'tools': '{tools}'
            }})
            """
        )
        connection.execute(
            "create table rounds as select * exclude (timing_events, tools) from raw_steps"
        )
        connection.execute(
            f"""
            create table timing_events as
            select round_pk, event_index, event.event_type, event.tool_call_id,
                {utc('event."timestamp"')} as "timestamp"
            from (
                select round_pk, unnest(timing_events) as event,
                    unnest(generate_series(1, len(timing_events))) as event_index
                from raw_steps where len(timing_events) > 0
            ) order by round_pk, event_index
            """
        )
        connection.execute(
            f"""
            create table tool_calls as
            select round_pk, tool.tool_index, tool.tool_call_id,
                {utc("tool.emitted_at")} as emitted_at, {utc("tool.result_at")} as result_at
            from (select round_pk, unnest(tools) as tool from raw_steps where len(tools) > 0)
            """
        )
        connection.execute("drop table raw_steps")


@pytest.mark.parametrize("name", FILES)
def test_trace_database(folder, rare_trace, name, request):
    workdir = folder / "database_run"
    if not (workdir / "files").is_dir():
        workdir.mkdir(parents=True)
        trace_database(rare_trace, workdir / "trace.duckdb")
        env = dbt_environment("unused.jsonl", workdir / "atlas.duckdb")
        env |= {
            "TRACE_ATLAS_INPUT": "trace_db",
            "TRACE_ATLAS_INPUT_DB": str(workdir / "trace.duckdb"),
        }
        built = build(workdir, env, target="duckdb_from_db")
        (workdir / "files").mkdir()
        for file, text in built.items():
            (workdir / "files" / file).write_text(text)
    expected = reference.outputs_for([str(path) for path in rare_trace])
    assert_same_cells((workdir / "files" / name).read_text(), expected[name], name)


@pytest.fixture(scope="module")
def raw_logs_run(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    claude, codex = folder / "logs" / "claude" / "projects", folder / "logs" / "codex"
    command = [sys.executable, str(PROJECT_DIR / "tools" / "generate_raw_logs.py"), "--quiet"]
    command += ["--claude-root", str(claude), "--codex-root", str(codex), "--steps", "1500"]
    subprocess.run(command, check=True)
    sessions = codex / "sessions"
    workdir = folder / "raw_logs_run"
    env = dbt_environment("unused.jsonl", workdir / "atlas.duckdb")
    env |= {
        "TRACE_ATLAS_INPUT": "agent_logs",
        "TRACE_ATLAS_CLAUDE_LOGS": str(claude),
        "TRACE_ATLAS_CODEX_LOGS": str(sessions),
    }
    built = build(workdir, env)
    normalized = raw_logs_reference.normalize([claude], [codex])
    steps = normalized.steps
    expected = {
        "cache_hit_idle_gap_summary.csv": reference.idle_gap_summary(steps),
        "human_idle_cache_counterfactual_summary.csv": reference.counterfactual_summary(steps),
    }
    expected |= bill_reference.outputs_for_steps(steps, normalized.one_hour_writes)
    return built, expected


@pytest.mark.parametrize("name", FILES)
def test_raw_logs(raw_logs_run, name):
    built, expected = raw_logs_run
    assert_same_cells(built[name], expected[name], name)


@pytest.mark.parametrize("name", BILL_FILES)
def test_bill_raw_logs(raw_logs_run, name):
    """Raw logs carry the 1-hour writes and sub-agent sessions: both show in the files."""
    built, expected = raw_logs_run
    assert_same_cells(built[name], expected[name], name, BILL_SUMMED)
    if name == "cache_cost_summary.csv":
        rows = [line.split(",") for line in built[name].splitlines()]
        header = rows[0]
        merged = {(r[1], r[2]): dict(zip(header, r, strict=True)) for r in rows if r[0] == "merged"}
        assert int(merged[("all", "cold_start")]["cache_write_1h_tokens"]) > 0
        assert int(merged[("subagent", "cold_start")]["steps"]) > 0
        assert int(merged[("all", "cache_expired")]["steps"]) > 0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x"]))
