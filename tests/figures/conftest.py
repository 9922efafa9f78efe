"""Fixtures for the figure step: a hand-made histogram export and a tiny fake project.

The export is written here, by the test, exactly in the shape the SQL writes it
(header, comma separator, Python-csv quoting, empty share cells for empty groups).
Shares in the fixture are computed by the test itself; the code under test only
reads them.

Test modules reach these helpers through the ``kit`` fixture rather than
``from conftest import ...``, which would break as soon as another folder under
tests/ has a conftest.py of its own.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

RED, AMBER, BLUE = "#dc2626", "#d97706", "#2563eb"
BIN_LABELS = [
    "0",
    "(0,.01]",
    "(.01,.05]",
    "(.05,.10]",
    "(.10,.20]",
    "(.20,.40]",
    "(.40,.60]",
    "(.60,.80]",
    "(.80,.90]",
    "(.90,.95]",
    "(.95,.98]",
    "(.98,.99]",
    "(.99,.995]",
    "(.995,1]",
]
UPPER_EDGES = [
    0.0,
    0.01,
    0.05,
    0.10,
    0.20,
    0.40,
    0.60,
    0.80,
    0.90,
    0.95,
    0.98,
    0.99,
    0.995,
    1.0000001,
]
COLUMNS = [
    "scope",
    "trigger",
    "bin_index",
    "bin",
    "upper_edge",
    "band_color",
    "rounds",
    "round_share_pct",
    "append_tokens",
    "append_token_share_pct",
    "group_rounds",
]
TEST_DPI = 50
EXPECTED_PX = (750, 550)  # 15 x 11 in at 50 dpi


def band_color(edge: float) -> str:
    """SPEC §3: below 0.5 red, below 0.9 amber, otherwise blue."""
    return RED if edge < 0.5 else AMBER if edge < 0.9 else BLUE


# Per provider and trigger: {bin_index: (steps, append_tokens)}.
CLAUDE_TOOL = {0: (5, 5000), 3: (10, 900), 6: (15, 700), 7: (10, 400), 12: (30, 90), 13: (30, 10)}
CLAUDE_USER: dict[int, tuple[int, int]] = {}  # empty group: every share cell empty
CODEX_USER = {13: (1, 0)}  # a single step, ratio 1: steps but no append tokens
CODEX_TOOL = {1: (2, 800), 5: (3, 600), 9: (20, 300), 13: (50, 20)}
UNKNOWN_TOOL = {4: (7, 70)}  # an extra scope that the figures must ignore


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


def export_rows() -> list[dict[str, str]]:
    rows = []
    for (scope, trigger), bins in GROUPS.items():
        steps_total = sum(s for s, _ in bins.values())
        tokens_total = sum(t for _, t in bins.values())
        for index, (label, edge) in enumerate(zip(BIN_LABELS, UPPER_EDGES, strict=True)):
            steps, tokens = bins.get(index, (0, 0))
            rows.append(
                {
                    "scope": scope,
                    "trigger": trigger,
                    "bin_index": str(index),
                    "bin": label,
                    "upper_edge": repr(edge),
                    "band_color": band_color(edge),
                    "rounds": str(steps),
                    "round_share_pct": _pct(steps, steps_total),
                    "append_tokens": str(tokens),
                    "append_token_share_pct": _pct(tokens, tokens_total),
                    "group_rounds": str(steps_total),
                }
            )
    return rows


def write_export(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


PROJECT_FILES = {
    "README.md": "# Trace Atlas\n\nTwo commands first.\n",
    "dbt_project.yml": "name: trace_atlas\n",
    "models/marts/prefix_cache/_prefix_cache__docs.md": "{% docs x %}\nmethod\n{% enddocs %}\n",
    "models/marts/prefix_cache/_prefix_cache__models.yml": "version: 2\n",
    "models/marts/prefix_cache/cache_hit_ratio_bins.sql": "select * from {{ ref('x') }}\n",
    "models/staging/trace/stg_trace__steps.sql": "select 1 as step_id\n",
    "macros/percentile_linear.sql": "{% macro percentile_linear() %}{% endmacro %}\n",
    "seeds/hit_ratio_bins.csv": 'bin_index,bin\n1,"(0,.01]"\n',
}
OUTPUT_FILES = {
    "cache_hit_ratio_summary.csv": b"scope,trigger,rounds\r\nmerged,all,\xc3\xa9 1\r\n",
    "cache_hit_ratio_table.md": b"| Metric | Claude |\n|---|---|\n| x | 95.8% |\n",
    "prefix_cache_hit_rate_table.tex": b"\\begin{table}95.8\\%\\end{table}\n",
    "latin1_not_utf8.csv": b"caf\xe9,1\n",  # forces the base64 path
}


@dataclass(frozen=True)
class Rendered:
    project: Path
    out: Path
    stdout: str
    seconds: float


def make_project(root: Path) -> tuple[Path, Path]:
    project, out = root / "project", root / "output"
    for name, text in PROJECT_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    out.mkdir(parents=True)
    for name, content in OUTPUT_FILES.items():
        (out / name).write_bytes(content)
    write_export(out / "cache_hit_ratio_histogram_data.csv", export_rows())
    return project, out


def run_plot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "plot_figures.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Run the real CLI once, at 50 dpi, on the fixture export and fake project."""
    project, out = make_project(tmp_path_factory.mktemp("figures"))
    started = time.perf_counter()
    result = run_plot("--out", str(out), "--project-dir", str(project), "--dpi", str(TEST_DPI))
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    return Rendered(project, out, result.stdout, seconds)


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The fixture data and helpers, for test modules (see the module docstring)."""
    return SimpleNamespace(
        red=RED,
        amber=AMBER,
        blue=BLUE,
        dpi=TEST_DPI,
        expected_px=EXPECTED_PX,
        scripts=SCRIPTS,
        groups=GROUPS,
        project_files=PROJECT_FILES,
        output_files=OUTPUT_FILES,
        export_rows=export_rows,
        write_export=write_export,
        run_plot=run_plot,
    )


@pytest.fixture
def fixture_groups(tmp_path: Path):
    """The fixture export read back by plot_figures.read_export."""
    import plot_figures

    path = tmp_path / "cache_hit_ratio_histogram_data.csv"
    write_export(path, export_rows())
    return plot_figures.read_export(path)
