"""Draw the figures from the output folder's CSV files and embed what they need.

Fig. 1 and Fig. 2 come from OUT/cache_hit_ratio_histogram_data.csv; Fig. 3 from
OUT/cache_hit_idle_gap_points.csv (below).

The export (one row per scope x trigger x hit-ratio bin, written by the writer from the mart
cache_hit_ratio_bins, whose invariants are dbt tests) is drawn as it is: the grid's rows are the
three scopes with the smallest ``scope_order``, its columns every trigger by ``trigger_order``,
the bars every bin by ``bin_index`` (labelled by ``bin``, coloured by ``band_color``), the legend
one patch per band (``band_label``). Bar heights are ``round_share_pct`` (Fig. 1) and
``append_token_share_pct`` (Fig. 2) as written, a panel's ``n`` is ``group_rounds``; a group
whose shares are empty is an empty panel with a note. Python computes nothing here.

A figure is 15 x 11 inches (3000 x 2200 pixels at the default 200 dpi). Each PNG is encoded once,
carrying the README, the docs blocks, the dbt sources, this module and the sidecar's, every CSV,
Markdown and LaTeX output and run_manifest.json (trace_atlas.sidecar), and written atomically;
the two histograms are drawn in two processes when two CPUs are free.

Every figure names its source under its panels (provenance.source_line: the input, the demo
trace said to be generated, and the days of its steps).

Fig. 3 (cache_hit_idle_gap.png) plots every measured user step of the idle-gap experiment: its
hit ratio against the user's idle wait before it (``gap_seconds``, log x axis; a wait of 0 s has
no place on it and is not drawn), one panel per provider (``provider``, sorted by name), with the
long-gap line and the low-hit line at the thresholds written in
OUT/cache_hit_idle_gap_summary.csv (``idle_threshold_seconds``, ``low_hit_threshold``).

Fig. 4 (cache_by_day.png) draws OUT/cache_by_day.csv, one column of panels per provider: the
token-weighted ``hit_rate`` per day (top, a percent axis) and ``dollars_lost`` per day (bottom),
both axes scaled to the data; a provider's steps without a time (``day`` empty) are named, not
drawn. It is drawn when the folder has that file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import click
import matplotlib
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from trace_atlas import PROJECT_DIR, sidecar
from trace_atlas.provenance import DAYS_FILE, source_line

EXPORT_NAME = "cache_hit_ratio_histogram_data.csv"
IDLE_POINTS_NAME = "cache_hit_idle_gap_points.csv"
IDLE_SUMMARY_NAME = "cache_hit_idle_gap_summary.csv"
IDLE_FIGURE = "cache_hit_idle_gap.png"
IDLE_TITLE = "Prefix cache hit ratio of user steps against the idle wait before them"
DAY_FIGURE = "cache_by_day.png"
DAY_TITLE = "Token-weighted cache hit rate and dollars lost to cache misses, per day"
SOURCE_STYLE = {"fontsize": 10, "color": "#4b5563"}
SCOPE_ROWS = 3
FIGSIZE_IN = (15.0, 11.0)
DEFAULT_DPI = 200
PNG_COMPRESS_LEVEL = 6
# What each PNG carries from the project, by (glob, kind); the first match of a file wins.
PROJECT_SOURCES = (
    ("README.md", "readme"),
    ("models/**/*.md", "docs"),
    *((pattern, "code") for pattern in ("dbt_project.yml", "models/**/*.sql", "models/**/*.yml")),
    *((pattern, "code") for pattern in ("macros/**/*.sql", "macros/**/*.yml", "seeds/*.*")),
)
CODE_FILES = ("trace_atlas/figures.py", "trace_atlas/sidecar.py")
# A file larger than Pillow's default text limit (PngImagePlugin.MAX_TEXT_CHUNK) is named with its
# size and sha256, not embedded, so that any Pillow opens the figure with its defaults.
EMBED_LIMIT_BYTES = 1024 * 1024
Row = dict[str, str]


class PlotError(click.ClickException):
    """A problem the user can fix, shown as one line."""


class FigureSpec(NamedTuple):
    filename: str
    value_column: str
    title: str
    ylabel: str
    empty_note: str


FIGURES = (
    FigureSpec(
        "cache_hit_ratio_histogram.png",
        "round_share_pct",
        "Per-step prefix cache hit ratio",
        "share of the group's steps (%)",
        "no steps",
    ),
    FigureSpec(
        "cache_hit_ratio_append_weighted_histogram.png",
        "append_token_share_pct",
        "Append-token-weighted prefix cache hit ratio",
        "share of the group's append tokens (%)",
        "no append tokens",
    ),
)


class Export(NamedTuple):
    """The export arranged as the figures show it."""

    scopes: tuple[str, ...]  # grid rows
    triggers: tuple[str, ...]  # grid columns
    bin_labels: tuple[str, ...]
    bands: tuple[tuple[str, str], ...]  # (label, colour) per band, in bin order
    groups: dict[tuple[str, str], list[Row]]  # every group's bins, by bin_index


def read_export(path: Path) -> Export:
    if not path.is_file():
        raise PlotError(f"{path} not found; run the pipeline first (its writer makes this file)")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    order = ("scope_order", "trigger_order", "bin_index")
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in sorted(rows, key=lambda row: [int(row[column]) for column in order]):
        groups.setdefault((row["scope"], row["trigger"]), []).append(row)
    first = next(iter(groups.values()))
    return Export(
        scopes=tuple(dict.fromkeys(scope for scope, _ in groups))[:SCOPE_ROWS],
        triggers=tuple(dict.fromkeys(trigger for _, trigger in groups)),
        bin_labels=tuple(row["bin"] for row in first),
        bands=tuple(dict.fromkeys((row["band_label"], row["band_color"]) for row in first)),
        groups=groups,
    )


def draw_panel(ax: Axes, bins: list[Row], spec: FigureSpec) -> None:
    """One group's bars, each bar under 1% labelled with its share (too short to see on the
    0-100 axis), or the empty group's note."""
    first = bins[0]
    ax.set_title(
        f"{first['scope']} / {first['trigger']} (n={int(first['group_rounds']):,})", fontsize=12
    )
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    heights = [float(row[spec.value_column]) if row[spec.value_column] else None for row in bins]
    if all(height is None for height in heights):
        note = {"ha": "center", "va": "center", "fontsize": 16, "color": "#6b7280"}
        ax.text(0.5, 0.5, spec.empty_note, transform=ax.transAxes, **note)
        return
    colours = [row["band_color"] for row in bins]
    ax.bar(range(len(bins)), heights, width=0.8, color=colours, linewidth=0, zorder=2)
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
                color=colours[index],
                zorder=3,
            )


def render_figure(export: Export, spec: FigureSpec, dpi: int, source: str = "") -> Figure:
    """The scopes x triggers grid of one weighting (no pyplot). The constrained layout is run
    once here and then switched off, so that saving draws the figure once, not twice."""
    fig = Figure(figsize=FIGSIZE_IN, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    rows, columns = len(export.scopes), len(export.triggers)
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for r, scope in enumerate(export.scopes):
        for c, trigger in enumerate(export.triggers):
            draw_panel(axes[r][c], export.groups[(scope, trigger)], spec)
    axes[0][0].set_ylim(0, 100)
    axes[0][0].set_xlim(-0.6, len(export.bin_labels) - 0.4)
    for ax in axes[-1]:
        ax.set_xticks(range(len(export.bin_labels)), export.bin_labels)
        ax.tick_params(axis="x", labelrotation=60, labelsize=9)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")
    fig.suptitle(spec.title, fontsize=17, fontweight="bold")
    fig.supylabel(spec.ylabel, fontsize=12)
    axes[-1][columns // 2].set_xlabel(
        "prefix cache hit ratio bin = prefix / (prefix + append) tokens", fontsize=12
    )
    patches = [Patch(facecolor=colour, label=label) for label, colour in export.bands]
    legend = {"loc": "outside lower center", "frameon": False, "fontsize": 11}
    fig.legend(handles=patches, ncols=len(patches), **legend)
    fig.supxlabel(source, **SOURCE_STYLE)
    fig.get_layout_engine().execute(fig)
    with matplotlib.rc_context(
        {"figure.autolayout": False, "figure.constrained_layout.use": False}
    ):
        fig.set_layout_engine(None)  # None, not "none": savefig then skips its layout draw
    return fig


class Payload(NamedTuple):
    """What every PNG carries: the files, their kinds and a summary of the run."""

    files: dict[str, bytes]
    kinds: dict[str, str]
    run: dict | None
    left_out: list[dict]  # files too large to embed: name, bytes, sha256


def collect_payload(project_dir: Path, out_dir: Path) -> Payload:
    found: dict[str, tuple[bytes, str]] = {}
    for pattern, kind in PROJECT_SOURCES:
        for path in sorted(p for p in project_dir.glob(pattern) if p.is_file()):
            found.setdefault(path.relative_to(project_dir).as_posix(), (path.read_bytes(), kind))
    for name in CODE_FILES:
        found[name] = ((PROJECT_DIR / name).read_bytes(), "code")
    for path in sorted(out_dir.iterdir()):
        run_manifest = path.name == sidecar.RUN_MANIFEST_NAME
        if run_manifest or path.suffix in (".csv", ".md", ".tex"):
            found[f"output/{path.name}"] = (
                path.read_bytes(),
                "provenance" if run_manifest else "data",
            )
    files, kinds, left_out = {}, {}, []
    for name, (content, kind) in found.items():
        if len(content) > EMBED_LIMIT_BYTES:
            digest = hashlib.sha256(content).hexdigest()
            left_out.append({"name": name, "bytes": len(content), "sha256": digest})
        else:
            files[name], kinds[name] = content, kind
    run_manifest = found.get(f"output/{sidecar.RUN_MANIFEST_NAME}")
    return Payload(files, kinds, run_summary(run_manifest and run_manifest[0]), left_out)


def run_summary(content: bytes | None) -> dict | None:
    """What the PNG's manifest says about the embedded run_manifest.json, at a glance."""
    if content is None:
        return None
    run = json.loads(content)
    return {
        "file": f"output/{sidecar.RUN_MANIFEST_NAME}",
        "sha256": hashlib.sha256(content).hexdigest(),
        **{key: run.get(key) for key in ("dbt_invocation_id", "git_commit", "written_at")},
        "inputs": [
            {key: item.get(key) for key in ("path", "size", "sha256")} for item in run["inputs"]
        ],
    }


def draw_one(export: Export, spec: FigureSpec, dpi: int, payload: Payload, out: Path) -> str:
    """Render one figure and encode it once, with what it carries; return the line reporting it."""
    plotted = f"output/{EXPORT_NAME}:{spec.value_column}"
    fig = render_figure(export, spec, dpi, source_line(out))
    return save(fig, spec.filename, spec.title, plotted, payload, out)


def save(fig: Figure, filename: str, title: str, plotted: str, payload: Payload, out: Path) -> str:
    """Encode a drawn figure once, with the payload as its sidecar, atomically."""
    extra = {
        "figure": filename,
        "plotted_column": plotted,
        "run": payload.run,
        "sql": "source",
        "sql_note": "dbt models and macros as written (Jinja unrendered), not target/compiled",
        "not_embedded": payload.left_out,
    }
    info = sidecar.sidecar_pnginfo(payload.files, payload.kinds, extra)
    info.add_text("Title", title)
    info.add_text(
        "Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
    )
    options = {"pnginfo": info, "compress_level": PNG_COMPRESS_LEVEL}
    path = out / filename
    sidecar.write_atomically(path, lambda tmp: fig.savefig(tmp, format="png", pil_kwargs=options))
    width, height = sidecar.png_size(path)
    return f"wrote {path}  {width}x{height} px  {path.stat().st_size:,} bytes"


# ---------------------------------------------------------------- Fig. 3: hit ratio vs idle wait


class IdlePoints(NamedTuple):
    """The idle-gap figure's points by provider, and the two thresholds to mark."""

    providers: dict[str, tuple[list[float], list[float]]]  # provider -> (waits, hit ratios)
    idle_seconds: float
    low_hit: float


def read_idle_points(out: Path) -> IdlePoints:
    with open(out / IDLE_POINTS_NAME, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(out / IDLE_SUMMARY_NAME, newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    providers: dict[str, tuple[list[float], list[float]]] = {}
    for row in sorted(rows, key=lambda row: row["provider"]):
        waits, ratios = providers.setdefault(row["provider"], ([], []))
        waits.append(float(row["gap_seconds"]))
        ratios.append(float(row["hit_ratio"]))
    idle, low = float(first["idle_threshold_seconds"]), float(first["low_hit_threshold"])
    return IdlePoints(providers, idle, low)


def render_idle_figure(points: IdlePoints, dpi: int, source: str = "") -> Figure:
    """One panel per provider: hit ratio (y) against the idle wait (x, log), the long-gap
    threshold as a dashed vertical line, the low-hit threshold as a dotted horizontal one."""
    fig = Figure(figsize=(15.0, 6.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    names = list(points.providers) or ["no user step with an idle wait"]
    axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        waits, ratios = points.providers.get(name, ([], []))
        ax.set_title(f"{name} (n={len(waits):,} user steps)", fontsize=12)
        ax.scatter(waits, ratios, s=14, alpha=0.55, color="#2563eb", linewidths=0, zorder=2)
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.axvline(points.idle_seconds, color="#dc2626", linestyle="--", linewidth=1.4, zorder=3)
        ax.axhline(points.low_hit, color="#6b7280", linestyle=":", linewidth=1.2, zorder=3)
        ax.annotate(
            f"{points.idle_seconds:g} s",
            (points.idle_seconds, 1.0),
            xytext=(4, -4),
            textcoords="offset points",
            color="#dc2626",
            fontsize=11,
            va="top",
        )
        ax.set_xlabel("idle wait before the step (s, log scale)", fontsize=12)
        ax.grid(color="#e5e7eb", linewidth=0.8, zorder=0)
    axes[0].set_ylabel("prefix cache hit ratio", fontsize=12)
    fig.suptitle(IDLE_TITLE, fontsize=15, fontweight="bold")
    fig.supxlabel(source, **SOURCE_STYLE)
    return fig


def draw_idle(out: Path, dpi: int, payload: Payload) -> str:
    fig = render_idle_figure(read_idle_points(out), dpi, source_line(out))
    plotted = f"output/{IDLE_POINTS_NAME}:gap_seconds,hit_ratio"
    return save(fig, IDLE_FIGURE, IDLE_TITLE, plotted, payload, out)


# ---------------------------------------------------------------- Fig. 4: hit rate and loss per day


def read_days(out: Path) -> dict[str, list[Row]]:
    """cache_by_day.csv's rows by provider (sorted by name), each provider's in day order."""
    with open(out / DAYS_FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    providers: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda row: (row["provider"], row["day"])):
        providers.setdefault(row["provider"], []).append(row)
    return providers


def render_day_figure(providers: dict[str, list[Row]], dpi: int, source: str = "") -> Figure:
    """Per provider, the hit rate per day (top) and the dollars lost per day (bottom)."""
    fig = Figure(figsize=(15.0, 8.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    names = list(providers) or ["no step"]
    axes = fig.subplots(2, len(names), sharex="col", squeeze=False)
    for column, name in enumerate(names):
        dated = [row for row in providers.get(name, []) if row["day"]]
        undated = [row["steps"] for row in providers.get(name, []) if not row["day"]]
        days = [mdates.datestr2num(row["day"]) for row in dated]
        rates = [float(row["hit_rate"]) if row["hit_rate"] else float("nan") for row in dated]
        top, bottom = axes[0][column], axes[1][column]
        note = f"; {int(undated[0]):,} steps without a time not drawn" if undated else ""
        top.set_title(f"{name} ({len(dated):,} days{note})", fontsize=12)
        top.plot(days, rates, marker="o", markersize=3, linewidth=1.2, color="#2563eb")
        top.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1, decimals=None))
        lost = [float(row["dollars_lost"]) for row in dated]
        bottom.bar(days, lost, width=0.8, color="#dc2626", linewidth=0)
        bottom.yaxis.set_major_formatter(ticker.StrMethodFormatter("${x:,.2f}"))
        if days:  # a day's margin either side, so that a single day has a width
            bottom.set_xlim(min(days) - 1, max(days) + 1)
        locator = mdates.AutoDateLocator(maxticks=8)
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        for ax in (top, bottom):
            ax.grid(color="#e5e7eb", linewidth=0.8, zorder=0)
            ax.set_axisbelow(True)
    axes[0][0].set_ylabel("hit rate (cache reads / input tokens)", fontsize=12)
    axes[1][0].set_ylabel("dollars lost to misses", fontsize=12)
    fig.suptitle(DAY_TITLE, fontsize=15, fontweight="bold")
    fig.supxlabel(f"UTC day of the steps' requests\n{source}", **SOURCE_STYLE)
    return fig


def draw_days(out: Path, dpi: int, payload: Payload) -> str:
    fig = render_day_figure(read_days(out), dpi, source_line(out))
    plotted = f"output/{DAYS_FILE}:day,hit_rate,dollars_lost"
    return save(fig, DAY_FIGURE, DAY_TITLE, plotted, payload, out)


def default_jobs() -> int:
    """One process per figure, at most the CPUs this process may use; 1 without fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(len(FIGURES), len(os.sched_getaffinity(0))))


def draw(
    out: Path, project_dir: Path = PROJECT_DIR, dpi: int = DEFAULT_DPI, jobs: int | None = None
) -> list[str]:
    """Draw the figures into ``out`` (the first histogram here, the second in a forked process
    when ``jobs`` > 1, then Fig. 3 and Fig. 4 when the folder has their files); return the lines
    that report them."""
    out = Path(out)
    export = read_export(out / EXPORT_NAME)
    payload = collect_payload(Path(project_dir).resolve(), out)
    idle = (out / IDLE_POINTS_NAME).is_file() and (out / IDLE_SUMMARY_NAME).is_file()
    extra = [draw_idle] if idle else []
    extra += [draw_days] if (out / DAYS_FILE).is_file() else []
    if (jobs or default_jobs()) <= 1:
        lines = [draw_one(export, spec, dpi, payload, out) for spec in FIGURES]
        return lines + [draw_more(out, dpi, payload) for draw_more in extra]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        second = pool.submit(draw_one, export, FIGURES[1], dpi, payload, out)
        lines = [draw_one(export, FIGURES[0], dpi, payload, out)]
        lines += [draw_more(out, dpi, payload) for draw_more in extra]
        return [lines[0], second.result(), *lines[1:]]
