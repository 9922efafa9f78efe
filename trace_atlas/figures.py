"""Draw the two Trace Atlas histograms from the SQL export and make them self-contained.

Reads ``OUT_DIR/cache_hit_ratio_histogram_data.csv`` (written by scripts/write_outputs.py
from a typed dbt mart; one row per scope x trigger x hit-ratio bin) and renders into OUT_DIR:

* ``cache_hit_ratio_histogram.png`` -- bar height = ``round_share_pct`` (share of the
  group's steps in each bin);
* ``cache_hit_ratio_append_weighted_histogram.png`` -- bar height =
  ``append_token_share_pct`` (share of the group's append tokens in each bin).

Everything the figure shows comes from the export, nothing is listed here: the rows are
the ``SCOPE_ROWS`` scopes with the smallest ``scope_order`` (further scopes are ignored),
the columns every trigger by ``trigger_order``, the bars every bin by ``bin_index``
(labelled by ``bin``, coloured by ``band_color``), the legend one patch per band in band
order (``band_label``, ``band_color``). Python computes no metric: heights are the
exported shares as written, each panel's ``n`` is ``group_rounds``. A group whose share
cells are empty (no steps, resp. no append tokens) is drawn as an empty panel with a
centred note. A malformed export stops the step with a one-line error naming the file
and the line.

The figure is 15 x 11 inches; at the default 200 dpi that is 3000 x 2200 pixels
(750 x 550 at 50 dpi). No ``bbox_inches="tight"``: the pixel size is exactly size x dpi.

Each PNG embeds, while it is encoded (``sidecar.sidecar_pnginfo`` passed to
matplotlib's ``savefig``), the README, the docs blocks, the dbt sources (models, macros,
seeds, ``dbt_project.yml``), these two scripts, every CSV / Markdown / LaTeX output of
OUT_DIR and the run's provenance ``run_manifest.json`` (kind ``provenance``; the manifest
chunk's ``run`` block names its dbt invocation, git commit and input files). PNGs are
written atomically (temporary file + ``os.replace``); the two figures are drawn in two
processes when two CPUs are available.

Usage::

    python scripts/plot_figures.py --out OUT_DIR [--project-dir .] [--dpi 200] [--quiet]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from trace_atlas import sidecar

EXPORT_NAME = "cache_hit_ratio_histogram_data.csv"
EXPORT_COLUMNS = (
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
)
SCOPE_ROWS = 3  # the grid's rows: the canonical scopes, the ones with the smallest scope_order
FIGSIZE_IN = (15.0, 11.0)
DEFAULT_DPI = 200
PNG_COMPRESS_LEVEL = 6  # zlib level of the image data (Pillow's default)
REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT_FILES = {
    "trace_atlas/figures.py": Path(__file__).resolve(),
    "trace_atlas/sidecar.py": Path(sidecar.__file__).resolve(),
}
# (glob relative to --project-dir, kind); first match wins; missing files are skipped.
PROJECT_SOURCES = (
    ("README.md", "readme"),
    ("models/**/*.md", "docs"),
    ("dbt_project.yml", "code"),
    ("models/**/*.sql", "code"),
    ("models/**/*.yml", "code"),
    ("macros/**/*.sql", "code"),
    ("macros/**/*.yml", "code"),
    ("seeds/*.csv", "code"),
    ("seeds/*.yml", "code"),
)
OUTPUT_SUFFIXES = (".csv", ".md", ".tex")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
Group = tuple[str, str]


class PlotError(Exception):
    """A problem the user can fix, printed as one line without a traceback."""


class ExportError(PlotError):
    """The export file is missing or does not have the agreed shape."""


@dataclass(frozen=True)
class BinRow:
    """One row of the export: one hit-ratio bin of one (scope, trigger) group."""

    line: int
    scope: str
    trigger: str
    scope_order: int
    trigger_order: int
    bin_index: int
    label: str
    upper_edge: float
    band: str
    band_label: str
    band_color: str
    rounds: int
    round_share_pct: float | None
    append_tokens: int
    append_token_share_pct: float | None
    group_rounds: int
    group_append_tokens: int


@dataclass(frozen=True)
class Band:
    """One colour band of the legend."""

    name: str
    label: str
    color: str


@dataclass(frozen=True)
class Export:
    """The export, checked and arranged as the figures show it."""

    scopes: tuple[str, ...]  # grid rows
    triggers: tuple[str, ...]  # grid columns
    bin_labels: tuple[str, ...]  # x tick labels, by bin_index
    bands: tuple[Band, ...]  # legend entries, in band order
    groups: dict[Group, tuple[BinRow, ...]]  # every group's bins, by bin_index


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


# ---------------------------------------------------------------- typing one row


def _text(cells: dict[str, str], column: str) -> str:
    if cells[column] == "":
        raise ValueError(f"{column} is empty")
    return cells[column]


def _integer(cells: dict[str, str], column: str) -> int:
    text = cells[column]
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{column} {text!r} is not a non-negative integer")
    return int(text)


def _number(cells: dict[str, str], column: str) -> float:
    try:
        value = float(cells[column])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{column} {cells[column]!r} is not a finite number")
    return value


def _share(cells: dict[str, str], column: str) -> float | None:
    """A percent share in [0, 100], or None for an empty cell."""
    if cells[column] == "":
        return None
    value = _number(cells, column)
    if not 0 <= value <= 100:
        raise ValueError(f"{column} {cells[column]!r} is not a percentage in [0, 100]")
    return value


def _colour(cells: dict[str, str], column: str) -> str:
    if not _HEX_COLOUR.match(cells[column]):
        raise ValueError(f"{column} {cells[column]!r} is not #rrggbb")
    return cells[column]


def parse_row(cells: dict[str, str], line: int) -> BinRow:
    """Type one CSV row (column -> text); ValueError says which cell is wrong."""
    return BinRow(
        line=line,
        scope=_text(cells, "scope"),
        trigger=_text(cells, "trigger"),
        scope_order=_integer(cells, "scope_order"),
        trigger_order=_integer(cells, "trigger_order"),
        bin_index=_integer(cells, "bin_index"),
        label=_text(cells, "bin"),
        upper_edge=_number(cells, "upper_edge"),
        band=_text(cells, "band"),
        band_label=_text(cells, "band_label"),
        band_color=_colour(cells, "band_color"),
        rounds=_integer(cells, "rounds"),
        round_share_pct=_share(cells, "round_share_pct"),
        append_tokens=_integer(cells, "append_tokens"),
        append_token_share_pct=_share(cells, "append_token_share_pct"),
        group_rounds=_integer(cells, "group_rounds"),
        group_append_tokens=_integer(cells, "group_append_tokens"),
    )


def check_empty_shares(row: BinRow) -> None:
    """A share cell is empty exactly when its group total is zero."""
    pairs = (
        ("round_share_pct", row.round_share_pct, "group_rounds", row.group_rounds),
        (
            "append_token_share_pct",
            row.append_token_share_pct,
            "group_append_tokens",
            row.group_append_tokens,
        ),
    )
    for share_column, share, total_column, total in pairs:
        if (share is None) != (total == 0):
            state = "empty" if share is None else "set"
            raise ValueError(f"{share_column} is {state} but {total_column} is {total}")


# ---------------------------------------------------------------- reading the export


def read_rows(path: Path) -> list[BinRow]:
    """Every data row of the export, typed; ExportError names the file and line."""
    if not path.is_file():
        raise ExportError(f"{path} not found; run the pipeline first (its writer makes this file)")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            try:
                rows = [_typed_row(cells, reader.line_num) for cells in _data_rows(reader, path)]
            except UnicodeDecodeError as exc:
                reason = f"{exc.reason} at byte {exc.start}"
                raise ExportError(f"{path}: not UTF-8 text ({reason})") from exc
            except (csv.Error, ValueError) as exc:
                raise ExportError(f"{path}, line {reader.line_num}: {exc}") from exc
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}") from exc
    if not rows:
        raise ExportError(f"{path}: no data rows after the header")
    return rows


def _data_rows(reader: Iterator[list[str]], path: Path) -> Iterator[list[str]]:
    """The rows after the header, once the header is the agreed one."""
    header = next(reader, None)
    if header is None or tuple(header) != EXPORT_COLUMNS:
        found = ",".join(header or [])
        raise ExportError(
            f"{path}, line 1: header is {found!r}, expected {','.join(EXPORT_COLUMNS)!r}"
        )
    yield from reader


def _typed_row(cells: list[str], line: int) -> BinRow:
    if len(cells) != len(EXPORT_COLUMNS):
        raise ValueError(f"{len(cells)} cells, expected {len(EXPORT_COLUMNS)}")
    row = parse_row(dict(zip(EXPORT_COLUMNS, cells, strict=True)), line)
    check_empty_shares(row)
    return row


# What must agree wherever a key repeats: (what, the key of a row, the values that must agree).
AGREEMENTS: tuple[tuple[str, Callable[[BinRow], object], Callable[[BinRow], object]], ...] = (
    ("scope", lambda r: r.scope, lambda r: r.scope_order),
    ("scope_order", lambda r: r.scope_order, lambda r: r.scope),
    ("trigger", lambda r: r.trigger, lambda r: r.trigger_order),
    ("trigger_order", lambda r: r.trigger_order, lambda r: r.trigger),
    ("bin_index", lambda r: r.bin_index, lambda r: (r.label, r.upper_edge, r.band)),
    ("band", lambda r: r.band, lambda r: (r.band_label, r.band_color)),
    ("group", lambda r: (r.scope, r.trigger), lambda r: (r.group_rounds, r.group_append_tokens)),
)


def check_unique(rows: list[BinRow], path: Path) -> None:
    """One row per (scope, trigger, bin_index)."""
    first: dict[tuple[str, str, int], BinRow] = {}
    for row in rows:
        seen = first.setdefault((row.scope, row.trigger, row.bin_index), row)
        if seen is not row:
            raise ExportError(
                f"{path}, line {row.line}: {row.scope}/{row.trigger} bin {row.bin_index} "
                f"repeats line {seen.line}"
            )


def check_agreement(rows: list[BinRow], path: Path) -> None:
    """Orders, bins, bands and group totals are the same wherever they repeat."""
    for what, key_of, value_of in AGREEMENTS:
        first: dict[object, BinRow] = {}
        for row in rows:
            seen = first.setdefault(key_of(row), row)
            if value_of(seen) != value_of(row):
                raise ExportError(
                    f"{path}, line {row.line}: {what} {key_of(row)!r} has {value_of(row)!r} "
                    f"here but {value_of(seen)!r} on line {seen.line}"
                )


def _ordered(
    rows: Iterable[BinRow], name_of: Callable[[BinRow], str], order_of: Callable[[BinRow], int]
) -> list[str]:
    """Distinct names, by their order column (the agreement check made that one-to-one)."""
    names = {name_of(r): order_of(r) for r in rows}
    return sorted(names, key=names.__getitem__)


def arrange(rows: list[BinRow], path: Path) -> Export:
    """Group the checked rows and pick the grid, the bins and the legend from them."""
    by_bin = {r.bin_index: r for r in rows}
    bins = sorted(by_bin)
    groups: dict[Group, list[BinRow]] = {}
    for row in sorted(rows, key=lambda r: (r.scope_order, r.trigger_order, r.bin_index)):
        groups.setdefault((row.scope, row.trigger), []).append(row)
    for (scope, trigger), group in groups.items():
        if [r.bin_index for r in group] != bins:
            lacking = sorted(set(bins) - {r.bin_index for r in group})
            raise ExportError(
                f"{path}, line {group[0].line}: group {scope}/{trigger} lacks bin(s) {lacking}"
            )
    scopes = _ordered(rows, lambda r: r.scope, lambda r: r.scope_order)
    if len(scopes) < SCOPE_ROWS:
        raise ExportError(f"{path}: {len(scopes)} scope(s), the figure needs {SCOPE_ROWS}")
    triggers = _ordered(rows, lambda r: r.trigger, lambda r: r.trigger_order)
    for scope in scopes[:SCOPE_ROWS]:
        for trigger in triggers:
            if (scope, trigger) not in groups:
                raise ExportError(f"{path}: no rows for group {scope}/{trigger}")
    bands: dict[str, Band] = {}
    for index in bins:
        row = by_bin[index]
        bands.setdefault(row.band, Band(row.band, row.band_label, row.band_color))
    return Export(
        scopes=tuple(scopes[:SCOPE_ROWS]),
        triggers=tuple(triggers),
        bin_labels=tuple(by_bin[i].label for i in bins),
        bands=tuple(bands.values()),
        groups={key: tuple(group) for key, group in groups.items()},
    )


def read_export(path: Path) -> Export:
    """Read, check and arrange the export; ExportError on anything malformed."""
    rows = read_rows(path)
    check_unique(rows, path)
    check_agreement(rows, path)
    return arrange(rows, path)


# ---------------------------------------------------------------- drawing


def draw_panel(ax: Axes, bins: tuple[BinRow, ...], spec: FigureSpec) -> None:
    """Draw one group's bars (or the empty-group note) and its title."""
    first = bins[0]
    ax.set_title(f"{first.scope} / {first.trigger} (n={first.group_rounds:,})", fontsize=12)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    heights = [getattr(b, spec.value_column) for b in bins]
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


def label_bins(axes_row: Iterable[Axes], labels: tuple[str, ...]) -> None:
    """Rotated bin labels under the bottom row of panels."""
    for ax in axes_row:
        ax.set_xticks(range(len(labels)), labels)
        ax.tick_params(axis="x", labelrotation=60, labelsize=9)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")


def render_figure(export: Export, spec: FigureSpec, dpi: int) -> Figure:
    """Build the scopes x triggers figure for one weighting (no pyplot, no global state).

    The constrained layout is computed here, once, and then switched off, so that
    saving draws the figure once instead of twice; the pixels are the same.
    """
    fig = Figure(figsize=FIGSIZE_IN, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(
        len(export.scopes), len(export.triggers), sharex=True, sharey=True, squeeze=False
    )
    for r, scope in enumerate(export.scopes):
        for c, trigger in enumerate(export.triggers):
            draw_panel(axes[r][c], export.groups[(scope, trigger)], spec)
    axes[0][0].set_ylim(0, 100)
    axes[0][0].set_xlim(-0.6, len(export.bin_labels) - 0.4)
    label_bins(axes[-1], export.bin_labels)
    fig.suptitle(spec.title, fontsize=17, fontweight="bold")
    fig.supylabel(spec.ylabel, fontsize=12)
    axes[-1][len(export.triggers) // 2].set_xlabel(
        "prefix cache hit ratio bin = prefix / (prefix + append) tokens", fontsize=12
    )
    fig.legend(
        handles=[Patch(facecolor=band.color, label=band.label) for band in export.bands],
        loc="outside lower center",
        ncols=len(export.bands),
        frameon=False,
        fontsize=11,
    )
    fig.get_layout_engine().execute(fig)
    with matplotlib.rc_context(
        {"figure.autolayout": False, "figure.constrained_layout.use": False}
    ):
        fig.set_layout_engine(None)  # None, not "none": savefig then skips its layout draw
    return fig


# ---------------------------------------------------------------- what each PNG embeds


@dataclass(frozen=True)
class Payload:
    """The files every PNG embeds, their kinds, and the run they come from."""

    files: dict[str, bytes]
    kinds: dict[str, str]
    run: dict | None


def _matching_files(root: Path, pattern: str) -> Iterable[Path]:
    return (p for p in sorted(root.glob(pattern)) if p.is_file())


def output_kind(path: Path) -> str | None:
    """The kind of an output-folder file that is embedded, None for one that is not."""
    if path.name == sidecar.RUN_MANIFEST_NAME:
        return "provenance"
    if path.suffix in OUTPUT_SUFFIXES and not path.name.startswith("."):
        return "data"
    return None


def run_block(name: str, path: Path, content: bytes) -> dict:
    """What the PNG manifest says about the embedded run_manifest.json, at a glance."""
    try:
        run = json.loads(content.decode("utf-8"))
        inputs = run.get("inputs") or []
        summary = {
            "file": name,
            "sha256": hashlib.sha256(content).hexdigest(),
            "dbt_invocation_id": run.get("dbt_invocation_id"),
            "git_commit": run.get("git_commit"),
            "written_at": run.get("written_at"),
            "inputs": [{k: item.get(k) for k in ("path", "size", "sha256")} for item in inputs],
        }
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError) as exc:
        raise PlotError(f"{path}: not a run manifest (a JSON object): {exc}") from exc
    return summary


def collect_payload(project_dir: Path, out_dir: Path) -> Payload:
    """The files to embed ({name: bytes}), their kinds and the run block."""
    files: dict[str, bytes] = {}
    kinds: dict[str, str] = {}
    for pattern, kind in PROJECT_SOURCES:
        for path in _matching_files(project_dir, pattern):
            name = path.relative_to(project_dir).as_posix()
            if name not in files:
                files[name], kinds[name] = path.read_bytes(), kind
    for name, path in SCRIPT_FILES.items():
        files[name], kinds[name] = path.read_bytes(), "code"
    run = None
    for path in sorted(out_dir.iterdir()):
        kind = output_kind(path) if path.is_file() else None
        if kind is not None:
            name = f"output/{path.name}"
            files[name], kinds[name] = path.read_bytes(), kind
            if kind == "provenance":
                run = run_block(name, path, files[name])
    return Payload(files, kinds, run)


def manifest_extra(spec: FigureSpec, run: dict | None) -> dict:
    """Figure-specific manifest fields, listed before the files."""
    return {
        "figure": spec.filename,
        "plotted_column": f"output/{EXPORT_NAME}:{spec.value_column}",
        "run": run,
        "sql": "source",
        "sql_note": "dbt models and macros as written (Jinja unrendered), not target/compiled",
    }


# ---------------------------------------------------------------- writing


def save_png(fig: Figure, path: Path, payload: Payload, spec: FigureSpec) -> None:
    """Encode the PNG once, with the sidecar chunks, into a temporary file; os.replace."""
    info, _ = sidecar.sidecar_pnginfo(
        payload.files, payload.kinds, manifest_extra(spec, payload.run)
    )
    info.add_text("Title", spec.title)
    info.add_text(
        "Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
    )
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise PlotError(f"cannot write into {path.parent}: {exc.strerror}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        fig.savefig(
            tmp,
            format="png",
            pil_kwargs={"pnginfo": info, "compress_level": PNG_COMPRESS_LEVEL},
        )
        os.chmod(tmp, sidecar.default_file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PlotError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def draw_one(export: Export, spec: FigureSpec, dpi: int, payload: Payload, out: Path) -> str:
    """Render, embed and save one figure; return the line that reports it."""
    path = out / spec.filename
    save_png(render_figure(export, spec, dpi), path, payload, spec)
    width, height = sidecar.png_size(path)
    return f"wrote {path}  {width}x{height} px  {path.stat().st_size:,} bytes"


def default_jobs() -> int:
    """One process per figure, at most the CPUs this process may use; 1 without fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(len(FIGURES), cpus or 1))


def draw_all(export: Export, payload: Payload, out: Path, dpi: int, jobs: int) -> list[str]:
    """Draw every figure: the first here, the others in forked workers when jobs > 1."""
    if jobs <= 1 or len(FIGURES) == 1:
        return [draw_one(export, spec, dpi, payload, out) for spec in FIGURES]
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context) as pool:
            others: list[Future[str]] = [
                pool.submit(draw_one, export, spec, dpi, payload, out) for spec in FIGURES[1:]
            ]
            first = draw_one(export, FIGURES[0], dpi, payload, out)
            return [first, *(future.result() for future in others)]
    except BrokenProcessPool as exc:
        raise PlotError(f"a drawing process died ({exc}); try --jobs 1") from exc


# ---------------------------------------------------------------- command line


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="figures.py",
        description=(
            "Draw the two prefix-cache hit-ratio histograms (share of steps, and share of "
            f"append tokens, per hit-ratio bin) from OUT_DIR/{EXPORT_NAME}, which the "
            "pipeline's writer makes. Rows, columns, bins, colours and legend all come from "
            "that file. Each PNG embeds the README, docs, output tables, run_manifest.json "
            "and source code; read them back with scripts/png_sidecar.py."
        ),
        epilog="example: python scripts/plot_figures.py --out output/cache_hit_ratio",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="OUT_DIR",
        help=f"output folder holding {EXPORT_NAME} (and run_manifest.json); "
        "the PNGs are written here",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=REPO_ROOT,
        metavar="DIR",
        help="dbt project root whose README, models, macros and seeds get embedded "
        "(default: the folder above scripts/)",
    )
    parser.add_argument(
        "--dpi",
        type=positive_int,
        default=DEFAULT_DPI,
        help=f"resolution; the figure is {FIGSIZE_IN[0]:g} x {FIGSIZE_IN[1]:g} in, so the "
        f"default {DEFAULT_DPI} gives {int(FIGSIZE_IN[0] * DEFAULT_DPI)} x "
        f"{int(FIGSIZE_IN[1] * DEFAULT_DPI)} px",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="draw the figures in N processes (default: one per figure, at most the CPUs "
        "available; 1 draws both in this process)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print only errors (the writer runs it this way)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        export = read_export(args.out / EXPORT_NAME)
        payload = collect_payload(args.project_dir.resolve(), args.out)
        if payload.run is None and not args.quiet:
            print(
                f"figures.py: warning: no {sidecar.RUN_MANIFEST_NAME} in {args.out}; "
                "the figures carry no provenance",
                file=sys.stderr,
            )
        lines = draw_all(export, payload, args.out, args.dpi, args.jobs or default_jobs())
    except (PlotError, sidecar.SidecarError) as exc:
        print(f"figures.py: error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print("\n".join(lines))
        print(
            f"elapsed {time.perf_counter() - started:.2f} s "
            f"({len(payload.files)} files embedded per PNG)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
