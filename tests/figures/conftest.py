"""Fixtures for the figure step: a hand-made histogram export and a tiny fake project.

The export is written here, by the test, exactly in the shape the writer
(trace_atlas/outputs.py) gives it: the agreed header, Python's csv module with
``\\n`` line ends, doubles as ``repr``, empty share cells for empty groups. Shares in
the fixture are computed by the test itself; the code under test only reads them.
The output folder also holds a ``run_manifest.json`` like the writer's.

Test modules reach these helpers through the ``kit`` fixture rather than
``from conftest import ...``, which would break as soon as another folder under
tests/ has a conftest.py of its own.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "trace_atlas"

EXPORT_NAME = "cache_hit_ratio_histogram_data.csv"
COLUMNS = [
    "scope",
    "trigger",
    "scope_order",
    "trigger_order",
    "bin_index",
    "bin",
    "upper_edge",
    "band",
    "band_label",
    "band_color",
    "rounds",
    "round_share_pct",
    "append_tokens",
    "append_token_share_pct",
    "group_rounds",
    "group_append_tokens",
]
RED, AMBER, BLUE = "#dc2626", "#d97706", "#2563eb"
# SPEC §3 bands by a bin's upper edge: below 0.5 red, below 0.9 amber, otherwise blue.
BANDS = {
    "low": ("hit ratio ≤ 0.4", RED),
    "mid": ("0.4 < hit ratio ≤ 0.8", AMBER),
    "high": ("hit ratio > 0.8", BLUE),
}
BINS = [  # (label, upper edge), by bin_index from 0
    ("0", 0.0),
    ("(0,.01]", 0.01),
    ("(.01,.05]", 0.05),
    ("(.05,.10]", 0.10),
    ("(.10,.20]", 0.20),
    ("(.20,.40]", 0.40),
    ("(.40,.60]", 0.60),
    ("(.60,.80]", 0.80),
    ("(.80,.90]", 0.90),
    ("(.90,.95]", 0.95),
    ("(.95,.98]", 0.98),
    ("(.98,.99]", 0.99),
    ("(.99,.995]", 0.995),
    ("(.995,1]", 1.0000001),
]
SCOPE_ORDER = {"merged": 1, "claude": 2, "codex": 3, "unknown": 4}
TRIGGER_ORDER = {"all": 1, "user": 2, "tool_result": 3}
GRID_SCOPES = ("merged", "claude", "codex")
GRID_TRIGGERS = ("all", "user", "tool_result")
TEST_DPI = 50
EXPECTED_PX = (750, 550)  # 15 x 11 in at 50 dpi


def band_of(edge: float) -> str:
    return "low" if edge < 0.5 else "mid" if edge < 0.9 else "high"


# Per provider and trigger: {bin_index: (steps, append_tokens)}.
CLAUDE_TOOL = {0: (5, 5000), 3: (10, 900), 6: (15, 700), 7: (10, 400), 12: (30, 90), 13: (30, 10)}
CLAUDE_USER: dict[int, tuple[int, int]] = {}  # empty group: every share cell empty
CODEX_USER = {13: (1, 0)}  # a single step, ratio 1: steps but no append tokens
CODEX_TOOL = {1: (2, 800), 5: (3, 600), 9: (20, 300), 13: (50, 20)}
UNKNOWN_TOOL = {4: (7, 70)}  # a fourth scope, which the figures must ignore


def _add(*parts: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    total: dict[int, tuple[int, int]] = {}
    for part in parts:
        for index, (steps, tokens) in part.items():
            old = total.get(index, (0, 0))
            total[index] = (old[0] + steps, old[1] + tokens)
    return total


GROUPS: dict[tuple[str, str], dict[int, tuple[int, int]]] = {
    ("merged", "all"): _add(CLAUDE_TOOL, CLAUDE_USER, CODEX_USER, CODEX_TOOL, UNKNOWN_TOOL),
    ("merged", "user"): _add(CLAUDE_USER, CODEX_USER),
    ("merged", "tool_result"): _add(CLAUDE_TOOL, CODEX_TOOL, UNKNOWN_TOOL),
    ("claude", "all"): _add(CLAUDE_TOOL, CLAUDE_USER),
    ("claude", "user"): CLAUDE_USER,
    ("claude", "tool_result"): CLAUDE_TOOL,
    ("codex", "all"): _add(CODEX_USER, CODEX_TOOL),
    ("codex", "user"): CODEX_USER,
    ("codex", "tool_result"): CODEX_TOOL,
    ("unknown", "all"): UNKNOWN_TOOL,
    ("unknown", "user"): {},
    ("unknown", "tool_result"): UNKNOWN_TOOL,
}


def _pct(part: int, total: int) -> str:
    return "" if total == 0 else repr(part / total * 100)


def group_rows(scope: str, trigger: str, bins: dict[int, tuple[int, int]]) -> list[dict[str, str]]:
    """The 14 export rows of one group, as the writer formats them."""
    steps_total = sum(s for s, _ in bins.values())
    tokens_total = sum(t for _, t in bins.values())
    rows = []
    for index, (label, edge) in enumerate(BINS):
        steps, tokens = bins.get(index, (0, 0))
        band = band_of(edge)
        rows.append(
            {
                "scope": scope,
                "trigger": trigger,
                "scope_order": str(SCOPE_ORDER[scope]),
                "trigger_order": str(TRIGGER_ORDER[trigger]),
                "bin_index": str(index),
                "bin": label,
                "upper_edge": repr(edge),
                "band": band,
                "band_label": BANDS[band][0],
                "band_color": BANDS[band][1],
                "rounds": str(steps),
                "round_share_pct": _pct(steps, steps_total),
                "append_tokens": str(tokens),
                "append_token_share_pct": _pct(tokens, tokens_total),
                "group_rounds": str(steps_total),
                "group_append_tokens": str(tokens_total),
            }
        )
    return rows


def export_rows() -> list[dict[str, str]]:
    """Every row of the fixture export, in the writer's order (scope, trigger, bin)."""
    rows = []
    for (scope, trigger), bins in GROUPS.items():
        rows += group_rows(scope, trigger, bins)
    return rows


def write_export(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> None:
    """Write rows in the writer's format: csv module, LF line ends, UTF-8."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row.get(column, "") for column in columns] for row in rows)


RUN_MANIFEST = {
    "format": "trace-atlas-run-manifest",
    "version": 1,
    "experiment": "prefix-cache hit ratio",
    "inputs": [
        {"path": "data/split/edge-1.jsonl.gz", "size": 123456, "sha256": "ab" * 32},
        {"path": "data/split/edge-2.jsonl.gz", "size": 7890, "sha256": "cd" * 32},
    ],
    "rows": {
        "lines_read": 1215,
        "blank_lines": 1,
        "rejected_lines": 0,
        "steps_ingested": 1214,
        "eligible_steps": 1200,
        "excluded_steps": 14,
    },
    "on_bad_lines": "strict",
    "input_kind": "trace",
    "engine": "duckdb",
    "target": "duckdb",
    "dbt_version": "1.11.16",
    "adapter": "duckdb",
    "adapter_version": "1.11.1",
    "dbt_invocation_id": "5f0c3a52-8d4e-4b7e-9a61-2b1d0c9e7f33",
    "started_at": "2026-11-30T16:38:46+00:00",
    "build_finished_at": "2026-11-30T16:39:12.275115Z",
    "written_at": "2026-11-30T16:39:15+00:00",
    "git_commit": "f6e2d86f35f47a56f4356e29f0e58cd6b718293f-dirty",
    "fixture_note": "a field this script does not know",
}
PROJECT_FILES = {
    "README.md": "# Trace Atlas\n\nTwo commands first.\n",
    "dbt_project.yml": "name: trace_atlas\n",
    "models/marts/prefix_cache/_prefix_cache__docs.md": "{% docs x %}\nmethod\n{% enddocs %}\n",
    "models/marts/prefix_cache/_prefix_cache__models.yml": "version: 2\n",
    "models/marts/prefix_cache/cache_hit_ratio_bins.sql": "select * from {{ ref('x') }}\n",
    "models/staging/trace/stg_trace__steps.sql": "select 1 as step_id\n",
    "macros/percentile_linear.sql": "{% macro percentile_linear() %}{% endmacro %}\n",
    "seeds/hit_ratio_bins.csv": 'bin_index,bin\n1,"(0,.01]"\n',
    "seeds/_seeds.yml": "version: 2\nseeds: []\n",
}
NOT_EMBEDDED = {  # project files outside the dbt sources: never embedded
    "tests/prefix_cache/assert_x.sql": "select 1\n",
    "models/notes.txt": "scratch\n",
}
OUTPUT_FILES = {
    "cache_hit_ratio_summary.csv": b"scope,trigger,rounds\r\nmerged,all,\xc3\xa9 1\r\n",
    "cache_hit_ratio_band_shares.csv": "band,band_label\nlow,hit ratio ≤ 0.4\n".encode(),
    "line_warnings.csv": b"file,line,warning,field,problem\n",
    "cache_hit_ratio_table.md": b"| Metric | Claude |\n|---|---|\n| x | 95.8% |\n",
    "prefix_cache_hit_rate_table.tex": b"\\begin{table}95.8\\%\\end{table}\n",
    "latin1_not_utf8.csv": b"caf\xe9,1\n",  # forces the base64 path
    "run_manifest.json": (json.dumps(RUN_MANIFEST, indent=2) + "\n").encode(),
}


@dataclass(frozen=True)
class Rendered:
    project: Path
    out: Path
    lines: list[str]
    seconds: float


def make_project(root: Path, with_run_manifest: bool = True) -> tuple[Path, Path]:
    project, out = root / "project", root / "output"
    for name, text in {**PROJECT_FILES, **NOT_EMBEDDED}.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    out.mkdir(parents=True)
    for name, content in OUTPUT_FILES.items():
        if with_run_manifest or name != "run_manifest.json":
            (out / name).write_bytes(content)
    (out / ".trace_atlas_output").write_text("written by Trace Atlas\n")
    write_export(out / EXPORT_NAME, export_rows())
    return project, out


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Draw once, at 50 dpi and in two processes, on the fixture folder."""
    from trace_atlas import figures

    project, out = make_project(tmp_path_factory.mktemp("figures"))
    started = time.perf_counter()
    lines = figures.draw(out, project, dpi=TEST_DPI, jobs=2)
    return Rendered(project, out, lines, time.perf_counter() - started)


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The fixture data and helpers, for test modules (see the module docstring)."""
    return SimpleNamespace(
        red=RED,
        amber=AMBER,
        blue=BLUE,
        bands=BANDS,
        bins=BINS,
        columns=COLUMNS,
        export_name=EXPORT_NAME,
        grid_scopes=GRID_SCOPES,
        grid_triggers=GRID_TRIGGERS,
        dpi=TEST_DPI,
        expected_px=EXPECTED_PX,
        scripts=SCRIPTS,
        groups=GROUPS,
        run_manifest=RUN_MANIFEST,
        project_files=PROJECT_FILES,
        output_files=OUTPUT_FILES,
        export_rows=export_rows,
        group_rows=group_rows,
        write_export=write_export,
        make_project=make_project,
    )


@pytest.fixture
def read_rows(tmp_path: Path):
    """Write rows in the writer's format and read them back with figures.read_export."""
    from trace_atlas import figures as plot_figures

    def read(rows: list[dict[str, str]]):
        path = tmp_path / EXPORT_NAME
        write_export(path, rows)
        return plot_figures.read_export(path)

    return read


@pytest.fixture
def fixture_export(read_rows):
    """The fixture export read back by figures.read_export."""
    return read_rows(export_rows())
