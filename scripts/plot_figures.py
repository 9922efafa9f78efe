"""Draw the two Trace Atlas histograms from the SQL export and make them self-contained.

Reads ``OUT_DIR/cache_hit_ratio_histogram_data.csv`` (written by the dbt project; one
row per scope x trigger x hit-ratio bin) and renders into OUT_DIR:

* ``cache_hit_ratio_histogram.png`` -- bar height = ``round_share_pct`` (share of the
  group's steps in each bin);
* ``cache_hit_ratio_append_weighted_histogram.png`` -- bar height =
  ``append_token_share_pct`` (share of the group's append tokens in each bin).

Each figure is a 3 x 3 grid (rows: scopes merged, claude, codex; columns: triggers
all, user, tool_result) of 14 bars coloured by the export's ``band_color``. The figure
is 15 x 11 inches; at the default 200 dpi that is 3000 x 2200 pixels (750 x 550 at
50 dpi). No ``bbox_inches="tight"``: the pixel size is exactly size x dpi.

Python computes no metric: heights, colours and each panel's step count (``n=``,
the export's ``group_rounds``) are the exported values as written. A group whose
share cells are empty (no steps, resp. no append tokens) is drawn as an empty panel
with a centred note.

Each PNG then receives, via ``png_sidecar.embed``, the README, the docs blocks, every
CSV / Markdown / LaTeX output in OUT_DIR and the source code (dbt models, macros,
seeds, ``dbt_project.yml`` and these two scripts). PNGs are written atomically.

Usage::

    python scripts/plot_figures.py --out output [--project-dir .] [--dpi 200]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

import png_sidecar

EXPORT_NAME = "cache_hit_ratio_histogram_data.csv"
EXPORT_COLUMNS = [
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
SCOPES = ("merged", "claude", "codex")
TRIGGERS = ("all", "user", "tool_result")
N_BINS = 14
FIGSIZE_IN = (15.0, 11.0)
DEFAULT_DPI = 200
REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT_FILES = {
    "scripts/plot_figures.py": Path(__file__).resolve(),
    "scripts/png_sidecar.py": Path(png_sidecar.__file__).resolve(),
}
# (glob relative to --project-dir, kind) -- all optional; missing files are skipped.
PROJECT_GLOBS = (
    ("README.md", "readme"),
    ("models/**/_*docs.md", "docs"),
    ("dbt_project.yml", "code"),
    ("models/**/*.sql", "code"),
    ("models/**/*.yml", "code"),
    ("macros/**/*.sql", "code"),
    ("macros/**/*.yml", "code"),
    ("seeds/*.csv", "code"),
)
OUTPUT_SUFFIXES = (".csv", ".md", ".tex")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
Group = tuple[str, str]


class ExportError(Exception):
    """The export file is missing or does not have the agreed shape."""


@dataclass(frozen=True)
class BinRow:
    """One row of the export: one hit-ratio bin of one (scope, trigger) group."""

    scope: str
    trigger: str
    bin_index: int
    label: str
    upper_edge: float
    band_color: str
    rounds: int
    round_share_pct: float | None
    append_tokens: int
    append_token_share_pct: float | None
    group_rounds: int


@dataclass(frozen=True)
class FigureSpec:
    """What distinguishes the two figures."""

    filename: str
    value_column: str
    title: str
    ylabel: str
    empty_note: str


FIGURES = (
    FigureSpec(
        filename="cache_hit_ratio_histogram.png",
        value_column="round_share_pct",
        title="Per-step prefix cache hit ratio",
        ylabel="share of the group's steps (%)",
        empty_note="no steps",
    ),
    FigureSpec(
        filename="cache_hit_ratio_append_weighted_histogram.png",
        value_column="append_token_share_pct",
        title="Append-token-weighted prefix cache hit ratio",
        ylabel="share of the group's append tokens (%)",
        empty_note="no append tokens",
    ),
)


# ---------------------------------------------------------------- reading the export


def _optional_float(text: str) -> float | None:
    return None if text == "" else float(text)


def parse_row(row: dict[str, str], line: int) -> BinRow:
    """Type one CSV row; raise ExportError naming the line on any bad cell."""
    try:
        parsed = BinRow(
            scope=row["scope"],
            trigger=row["trigger"],
            bin_index=int(row["bin_index"]),
            label=row["bin"],
            upper_edge=float(row["upper_edge"]),
            band_color=row["band_color"],
            rounds=int(row["rounds"]),
            round_share_pct=_optional_float(row["round_share_pct"]),
            append_tokens=int(row["append_tokens"]),
            append_token_share_pct=_optional_float(row["append_token_share_pct"]),
            group_rounds=int(row["group_rounds"]),
        )
    except (TypeError, ValueError) as exc:
        raise ExportError(f"line {line}: {exc}") from exc
    if not _HEX_COLOUR.match(parsed.band_color):
        raise ExportError(f"line {line}: band_color {parsed.band_color!r} is not #rrggbb")
    shares = (parsed.round_share_pct, parsed.append_token_share_pct)
    if any(v is not None and not math.isfinite(v) for v in shares):
        raise ExportError(f"line {line}: share is not a finite number")
    return parsed


def read_export(path: Path) -> dict[Group, list[BinRow]]:
    """Read the export into {(scope, trigger): bins in bin_index order}."""
    if not path.is_file():
        raise ExportError(f"{path} not found; build the dbt project first (it writes this file)")
    groups: dict[Group, list[BinRow]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != EXPORT_COLUMNS:
            raise ExportError(f"{path}: header {reader.fieldnames} != expected {EXPORT_COLUMNS}")
        for row in reader:
            parsed = parse_row(row, reader.line_num)
            groups.setdefault((parsed.scope, parsed.trigger), []).append(parsed)
    for bins in groups.values():
        bins.sort(key=lambda b: b.bin_index)
    check_groups(groups, path)
    return groups


def check_groups(groups: dict[Group, list[BinRow]], path: Path) -> None:
    """Every plotted group exists with bins 0..13; each share column all-empty or all-set."""
    for scope in SCOPES:
        for trigger in TRIGGERS:
            bins = groups.get((scope, trigger))
            if bins is None:
                raise ExportError(f"{path}: no rows for group {scope}/{trigger}")
            if [b.bin_index for b in bins] != list(range(N_BINS)):
                raise ExportError(f"{path}: group {scope}/{trigger} lacks bins 0..{N_BINS - 1}")
            for spec in FIGURES:
                empty = [getattr(b, spec.value_column) is None for b in bins]
                if any(empty) and not all(empty):
                    raise ExportError(
                        f"{path}: group {scope}/{trigger} has some but not all "
                        f"{spec.value_column} cells empty"
                    )


# ---------------------------------------------------------------- drawing


def band_legend(bins: list[BinRow]) -> list[Patch]:
    """Legend patches, one per run of equal band_color, labelled by the run's bin edges."""
    runs: list[list[BinRow]] = []
    for row in bins:
        if runs and runs[-1][-1].band_color == row.band_color:
            runs[-1].append(row)
        else:
            runs.append([row])
    patches = []
    for i, run in enumerate(runs):
        low = runs[i - 1][-1].upper_edge if i > 0 else None
        high = run[-1].upper_edge if i < len(runs) - 1 else None
        if low is None and high is None:
            label = "all bins"
        elif low is None:
            label = f"hit ratio ≤ {high:g}"
        elif high is None:
            label = f"hit ratio > {low:g}"
        else:
            label = f"{low:g} < hit ratio ≤ {high:g}"
        patches.append(Patch(facecolor=run[0].band_color, label=label))
    return patches


def draw_panel(ax, bins: list[BinRow], spec: FigureSpec, group: Group) -> None:
    """Draw one group's 14 bars (or the empty-group note) and its title."""
    heights = [getattr(b, spec.value_column) for b in bins]
    ax.set_title(f"{group[0]} / {group[1]} (n={bins[0].group_rounds:,})", fontsize=12)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    if all(h is None for h in heights):
        ax.text(
            0.5,
            0.5,
            spec.empty_note,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=16,
            color="#6b7280",
        )
        return
    ax.bar(
        range(len(bins)),
        heights,
        width=0.8,
        color=[b.band_color for b in bins],
        linewidth=0,
        zorder=2,
    )
    # --- issue 14 (atlas page): tails people can see. On the 0-100 axis a share under 1% is
    # a bar too short to see; label each such non-zero bar with its share (two decimals, as in
    # the CSVs; "<0.01" below that) in its band colour. Heights are unchanged.
    for index, height in enumerate(heights):
        if height is not None and 0 < height < 1:
            ax.annotate(
                f"{height:.2f}" if height >= 0.005 else "<0.01",
                (index, height),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=10,
                color=bins[index].band_color,
                zorder=3,
            )
    # --- end issue 14


def render_figure(groups: dict[Group, list[BinRow]], spec: FigureSpec, dpi: int) -> Figure:
    """Build the 3 x 3 figure for one weighting (no pyplot, no global state)."""
    fig = Figure(figsize=FIGSIZE_IN, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(SCOPES), len(TRIGGERS), sharex=True, sharey=True)
    for r, scope in enumerate(SCOPES):
        for c, trigger in enumerate(TRIGGERS):
            draw_panel(axes[r][c], groups[(scope, trigger)], spec, (scope, trigger))
    first = groups[(SCOPES[0], TRIGGERS[0])]
    axes[0][0].set_ylim(0, 100)
    axes[0][0].set_xlim(-0.6, len(first) - 0.4)
    for ax in axes[-1]:
        ax.set_xticks(range(len(first)), [b.label for b in first])
        ax.tick_params(axis="x", labelrotation=60, labelsize=9)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")
    fig.suptitle(spec.title, fontsize=17, fontweight="bold")
    fig.supylabel(spec.ylabel, fontsize=12)
    axes[-1][len(TRIGGERS) // 2].set_xlabel(
        "prefix cache hit ratio bin = prefix / (prefix + append) tokens", fontsize=12
    )
    fig.legend(
        handles=band_legend(first), loc="outside lower center", ncols=3, frameon=False, fontsize=11
    )
    return fig


# ---------------------------------------------------------------- sidecar payload


def _matching_files(root: Path, pattern: str) -> Iterable[Path]:
    return (p for p in sorted(root.glob(pattern)) if p.is_file())


def collect_sidecar_files(project_dir: Path, out_dir: Path) -> tuple[dict[str, bytes], dict]:
    """The files to embed ({name: bytes}) and their kinds ({name: kind})."""
    files: dict[str, bytes] = {}
    kinds: dict[str, str] = {}
    for pattern, kind in PROJECT_GLOBS:
        for path in _matching_files(project_dir, pattern):
            name = path.relative_to(project_dir).as_posix()
            if name not in files:
                files[name], kinds[name] = path.read_bytes(), kind
    for name, path in SCRIPT_FILES.items():
        files[name], kinds[name] = path.read_bytes(), "code"
    for path in sorted(out_dir.iterdir()):
        if path.is_file() and path.suffix in OUTPUT_SUFFIXES and not path.name.startswith("."):
            name = f"output/{path.name}"
            files[name], kinds[name] = path.read_bytes(), "data"
    return files, kinds


def manifest_extra(spec: FigureSpec) -> dict:
    """Figure-specific manifest fields."""
    return {
        "figure": spec.filename,
        "plotted_column": f"output/{EXPORT_NAME}:{spec.value_column}",
        "sql": "source",
        "sql_note": "dbt models and macros as written (Jinja unrendered), not target/compiled",
    }


# ---------------------------------------------------------------- writing


def save_figure(
    fig: Figure, path: Path, files: dict[str, bytes], kinds: dict[str, str], extra: dict
) -> None:
    """Save the PNG to a temporary file in its folder, embed the sidecar, os.replace."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        fig.savefig(tmp, format="png", metadata={"Title": extra["figure"]})
        png_sidecar.embed(tmp, files, kinds=kinds, extra=extra)
        os.chmod(tmp, png_sidecar.default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plot_figures.py",
        description=(
            "Draw the two prefix-cache hit-ratio histograms (per step, and weighted by "
            f"append tokens) from OUT_DIR/{EXPORT_NAME}, which the dbt project writes. "
            "Each PNG embeds the README, docs, output tables and source code; read them "
            "back with scripts/png_sidecar.py."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="OUT_DIR",
        help=f"output folder holding {EXPORT_NAME}; the PNGs are written here",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=REPO_ROOT,
        metavar="DIR",
        help="dbt project root whose README, models and macros get embedded "
        "(default: the folder above scripts/)",
    )
    parser.add_argument(
        "--dpi",
        type=int,
        default=DEFAULT_DPI,
        help=f"resolution; the figure is {FIGSIZE_IN[0]:g} x {FIGSIZE_IN[1]:g} in, so the "
        f"default {DEFAULT_DPI} gives {int(FIGSIZE_IN[0] * DEFAULT_DPI)} x "
        f"{int(FIGSIZE_IN[1] * DEFAULT_DPI)} px",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    if args.dpi <= 0:
        print("plot_figures.py: error: --dpi must be positive", file=sys.stderr)
        return 2
    try:
        groups = read_export(args.out / EXPORT_NAME)
        files, kinds = collect_sidecar_files(args.project_dir.resolve(), args.out)
        for spec in FIGURES:
            path = args.out / spec.filename
            save_figure(
                render_figure(groups, spec, args.dpi), path, files, kinds, manifest_extra(spec)
            )
            width, height = png_sidecar.png_size(path)
            print(f"wrote {path}  {width}x{height} px  {path.stat().st_size:,} bytes")
    except (ExportError, png_sidecar.SidecarError) as exc:
        print(f"plot_figures.py: error: {exc}", file=sys.stderr)
        return 1
    print(f"elapsed {time.perf_counter() - started:.2f} s ({len(files)} files embedded per PNG)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
