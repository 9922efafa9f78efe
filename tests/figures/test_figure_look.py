"""What a reader sees in each figure, drawn from rows written by the test: where labels sit,
which colours and sizes they have, what the axes span, and that the four figures share one
typography. Each test draws its own figure (no shared drawing), so that each one checks the
drawing code it runs."""

from __future__ import annotations

import csv
import itertools
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib import dates as mdates
from matplotlib.colors import rgb_to_hsv, to_hex, to_rgb
from trace_atlas import figures as plot_figures

RED, BLUE = "#dc2626", "#2563eb"  # SPEC §3: the low-hit band red, the high-hit band blue
DPI = 50
SHARES = "round_share_pct"
WEIGHTED = "append_token_share_pct"


def spec_of(value_column: str):
    return next(s for s in plot_figures.FIGURES if s.value_column == value_column)


def export_file(tmp_path: Path, kit, replace: dict | None = None, keep=lambda row: True) -> Path:
    """The fixture export, some groups' bins replaced, written in the writer's format."""
    rows = [row for row in kit.export_rows() if keep(row)]
    for (scope, trigger), bins in (replace or {}).items():
        rows = [r for r in rows if (r["scope"], r["trigger"]) != (scope, trigger)]
        rows += kit.group_rows(scope, trigger, bins)
    path = tmp_path / kit.export_name
    kit.write_export(path, rows)
    return path


def histogram(path: Path, value_column: str = SHARES, dpi: int = DPI):
    fig = plot_figures.render_figure(
        plot_figures.read_export(path), spec_of(value_column), dpi, "Source: test rows"
    )
    fig.canvas.draw()
    return fig


IDLE_ROWS = [  # provider, hit ratio, idle wait (s): every ratio well inside 0..1
    ("openai", "0.40", "45.0"),
    ("anthropic", "0.25", "900.0"),
    ("anthropic", "0.75", "8.0"),
    ("openai", "0.60", "7200.0"),
]
IDLE_SECONDS, LOW_HIT = "120.0", "0.3"


def idle_folder(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    with open(folder / plot_figures.IDLE_POINTS_NAME, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(
            [("provider", "hit_ratio", "gap_seconds"), *IDLE_ROWS]
        )
    summary = f"low_hit_threshold,idle_threshold_seconds\n{LOW_HIT},{IDLE_SECONDS}\n"
    (folder / plot_figures.IDLE_SUMMARY_NAME).write_text(summary, encoding="utf-8")
    return folder


def idle_figure(folder: Path, dpi: int = DPI):
    fig = plot_figures.render_idle_figure(
        plot_figures.read_idle_points(idle_folder(folder)), dpi, "Source: test rows"
    )
    fig.canvas.draw()
    return fig


DAY_ROWS = [  # day, provider, steps, hit_rate, dollars_lost
    ("2026-03-02", "beta", "5", "0.5", "2.0"),
    ("2026-03-09", "beta", "6", "0.75", "1.25"),
    ("2026-03-05", "beta", "4", "0.875", "0.5"),
    ("2026-03-03", "alpha", "8", "0.625", "3.0"),
]
DAY_HEADER = ("day", "provider", "steps", "hit_rate", "dollars_lost")


def day_folder(folder: Path, rows=DAY_ROWS) -> Path:
    folder.mkdir(exist_ok=True)
    with open(folder / "cache_by_day.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([DAY_HEADER, *rows])
    return folder


def day_figure(folder: Path, rows=DAY_ROWS, dpi: int = DPI):
    fig = plot_figures.render_day_figure(
        plot_figures.read_days(day_folder(folder, rows)), dpi, "Source: test rows"
    )
    fig.canvas.draw()
    return fig


def point_size(text) -> float:
    return text.get_fontproperties().get_size_in_points()


def is_bold(text) -> bool:
    return text.get_fontweight() in ("bold", 700)


# ---------------------------------------------------------------- Fig. 1 and 2: bars and labels


def test_shares_under_one_percent_are_labelled_over_their_bars(tmp_path: Path, kit) -> None:
    """A bar under 1% is too short to read on the 0-100 axis: its share is written over it,
    centred, clear of the bar; a share that two decimals would show as 0.00 reads <0.01."""
    # 30,000 steps: 1 (0.0033%), 150 (0.5%), 60 (0.2%) and the rest (99.29%, not labelled).
    bins = {0: (1, 10), 5: (150, 10), 9: (60, 10), 13: (29789, 10)}
    path = export_file(tmp_path, kit, {("merged", "all"): bins})
    dpi = 100
    fig = histogram(path, dpi=dpi)
    ax = fig.axes[0]
    assert ax.get_title() == "merged / all (n=30,000)"
    labels = {round(t.xy[0]): t for t in ax.texts}
    assert {i: t.get_text() for i, t in labels.items()} == {0: "<0.01", 5: "0.50", 9: "0.20"}
    for index, text in labels.items():
        bar = ax.patches[index].get_window_extent()
        box = text.get_window_extent()
        assert abs((box.x0 + box.x1) / 2 - (bar.x0 + bar.x1) / 2) < 0.5, "centred on its bar"
        assert box.y0 - bar.y1 >= 2 * dpi / 72, "at least 2 pt above the bar's top"
        assert text.get_rotation() == 90
        assert to_hex(text.get_color()) == to_hex(ax.patches[index].get_facecolor())


def test_bars_stand_apart_each_on_its_bin(tmp_path: Path, kit) -> None:
    fig = histogram(export_file(tmp_path, kit))
    for ax in fig.axes:
        bars = sorted(ax.patches, key=lambda p: p.get_x())
        for index, bar in enumerate(bars):
            assert bar.get_x() + bar.get_width() / 2 == pytest.approx(index)
        for left, right in itertools.pairwise(bars):
            assert left.get_x() + left.get_width() < right.get_x(), "a gap between two bins"


def test_the_grid_is_faint_horizontal_and_behind_the_bars(tmp_path: Path, kit) -> None:
    fig = histogram(export_file(tmp_path, kit))
    for ax in fig.axes:
        grid = [t.gridline for t in ax.yaxis.get_major_ticks() if t.gridline.get_visible()]
        assert grid, "horizontal guides at the y ticks"
        assert not [t for t in ax.xaxis.get_major_ticks() if t.gridline.get_visible()]
        assert all(min(to_rgb(line.get_color())) > 0.85 for line in grid), "a faint grey"
        assert all(ax.yaxis.get_zorder() < bar.get_zorder() for bar in ax.patches)


def test_an_empty_groups_note_sits_in_the_middle_of_its_panel(tmp_path: Path, kit) -> None:
    fig = histogram(export_file(tmp_path, kit), WEIGHTED)
    empty = [ax for ax in fig.axes if not ax.patches]
    assert [ax.get_title() for ax in empty] == [
        "merged / user (n=1)",
        "claude / user (n=0)",
        "codex / user (n=1)",
    ], "no append tokens: the user steps are one codex step that appended none"

    for ax in empty:
        (note,) = ax.texts
        box, panel = note.get_window_extent(), ax.get_window_extent()
        assert abs((box.x0 + box.x1) / 2 - (panel.x0 + panel.x1) / 2) < 1
        assert abs((box.y0 + box.y1) / 2 - (panel.y0 + panel.y1) / 2) < 1


def test_an_export_of_one_trigger_is_one_column(tmp_path: Path, kit) -> None:
    path = export_file(tmp_path, kit, keep=lambda row: row["trigger"] == "all")
    fig = histogram(path)
    assert [ax.get_title().split(" (")[0] for ax in fig.axes] == [
        "merged / all",
        "claude / all",
        "codex / all",
    ]
    assert all(ax.get_ylim() == (0.0, 100.0) for ax in fig.axes)
    assert [bool(ax.get_xlabel()) for ax in fig.axes] == [False, False, True]


@pytest.mark.parametrize(
    ("value_column", "measured"), [(SHARES, "steps"), (WEIGHTED, "append tokens")]
)
def test_the_axes_say_what_is_measured(tmp_path: Path, kit, value_column, measured) -> None:
    """SPEC: y is the share (%) of the group's steps (Fig. 1) or append tokens (Fig. 2), x the
    hit-ratio bin; the x label once, under the middle of the bottom row."""
    fig = histogram(export_file(tmp_path, kit), value_column)
    ylabel = fig.get_supylabel()
    assert measured in ylabel and "%" in ylabel
    labelled = [i for i, ax in enumerate(fig.axes) if ax.get_xlabel()]
    assert labelled == [7], "the bottom row's middle panel of the 3 x 3 grid"
    assert "hit ratio" in fig.axes[7].get_xlabel()


def test_the_legend_is_one_row_under_the_panels(tmp_path: Path, kit) -> None:
    fig = histogram(export_file(tmp_path, kit))
    (legend,) = fig.legends
    boxes = [t.get_window_extent() for t in legend.get_texts()]
    assert len(boxes) == 3
    assert len({round(box.y0, 3) for box in boxes}) == 1, "the bands side by side"
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))
    lowest = min(ax.get_tightbbox().y0 for ax in fig.axes)
    assert all(box.y1 <= lowest for box in boxes)


# ---------------------------------------------------------------- Fig. 3: hit ratio vs idle wait


def test_fig3_marks_both_thresholds_apart_from_the_points(tmp_path: Path) -> None:
    """The long-gap line (red, like the losses it explains) at the summary's idle threshold,
    labelled with it in the same red; the low-hit line a neutral grey at the summary's low-hit
    threshold; the points in the atlas blue, above the grid; the hit-ratio axis 0 to 1."""
    fig = idle_figure(tmp_path)
    assert [ax.get_title() for ax in fig.axes] == [
        "anthropic (n=2 user steps)",
        "openai (n=2 user steps)",
    ]
    for ax in fig.axes:
        (points,) = ax.collections
        assert to_hex(points.get_facecolor()[0]) == BLUE
        assert points.get_zorder() > ax.yaxis.get_zorder(), "points over the grid"
        lines = {line.get_linestyle(): line for line in ax.get_lines()}
        vertical, horizontal = lines["--"], lines[":"]
        assert list(vertical.get_xdata()) == [float(IDLE_SECONDS)] * 2
        assert list(horizontal.get_ydata()) == [float(LOW_HIT)] * 2
        assert to_hex(vertical.get_color()) == RED
        assert rgb_to_hsv(to_rgb(horizontal.get_color()))[1] < 0.25, "a neutral grey"
        (label,) = ax.texts
        assert label.get_text() == "120 s"
        assert to_hex(label.get_color()) == RED
        box = label.get_window_extent()
        line_x, one = ax.transData.transform((float(IDLE_SECONDS), 1.0))
        assert box.x0 > line_x, "right of its line"
        assert box.y1 <= one, "hung under the top of the ratio range"
        low, high = ax.get_ylim()
        assert low < 0 and high > 1, "the whole 0..1 range, whatever the points"
    assert [ax.get_ylabel() for ax in fig.axes] == ["prefix cache hit ratio", ""]


def test_fig3_png_is_fifteen_by_six_inches(kit, tmp_path: Path) -> None:
    project, out = kit.make_project(tmp_path)
    idle_folder(out)
    payload = plot_figures.collect_payload(project, out)
    line = plot_figures.draw_idle(out, DPI, payload)
    assert f" {15 * DPI}x{6 * DPI} px " in line


# ---------------------------------------------------------------- Fig. 4: per day


def test_fig4_draws_each_day_at_its_date(tmp_path: Path) -> None:
    """Each provider's hit rate (blue, the high-hit colour) and dollars lost (red, the
    low-hit colour) at the row's date, in date order; the dollar axis a day wider than the
    first and last day on either side."""
    fig = day_figure(tmp_path)
    (top_alpha, top_beta), (bottom_alpha, bottom_beta) = np.reshape(fig.axes, (2, 2))
    beta = sorted(row for row in DAY_ROWS if row[1] == "beta")
    dates = [mdates.date2num(date.fromisoformat(row[0])) for row in beta]
    (line,) = top_beta.get_lines()
    assert list(line.get_xdata()) == dates
    assert list(line.get_ydata()) == [float(row[3]) for row in beta]
    assert to_hex(line.get_color()) == BLUE
    bars = bottom_beta.patches
    assert [b.get_x() + b.get_width() / 2 for b in bars] == pytest.approx(dates)
    assert [b.get_height() for b in bars] == [float(row[4]) for row in beta]
    assert {to_hex(b.get_facecolor()) for b in bars} == {RED}
    assert bottom_beta.get_xlim() == (dates[0] - 1, dates[-1] + 1)
    alpha_day = mdates.date2num(date(2026, 3, 3))
    assert bottom_alpha.get_xlim() == (alpha_day - 1, alpha_day + 1), "one day has a width"
    assert top_alpha.get_title() == "alpha (1 days)"
    title = fig.get_suptitle()
    assert "hit rate" in title and "dollars lost" in title and "per day" in title


def test_fig4_dates_a_month_by_the_week(tmp_path: Path) -> None:
    """Thirty days read as four dates a week apart (the month's name on the first), not a
    label every few days."""
    start = date(2026, 3, 1)
    rows = [
        ((start + timedelta(days=n)).isoformat(), "alpha", "5", "0.5", "1.0") for n in range(30)
    ]
    bottom = day_figure(tmp_path, rows).axes[-1]
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["Mar", "08", "15", "22"]


def test_fig4_without_rows_is_one_named_empty_column(tmp_path: Path) -> None:
    fig = day_figure(tmp_path, rows=[])
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "no step (0 days)"
    assert not fig.axes[0].get_lines()[0].get_xdata().size and not fig.axes[1].patches


def test_fig3_without_points_is_one_named_empty_panel(tmp_path: Path) -> None:
    folder = idle_folder(tmp_path)
    (folder / plot_figures.IDLE_POINTS_NAME).write_text("provider,hit_ratio,gap_seconds\n")
    fig = plot_figures.render_idle_figure(plot_figures.read_idle_points(folder), DPI)
    assert [ax.get_title() for ax in fig.axes] == [
        "no user step with an idle wait (n=0 user steps)"
    ]


# ---------------------------------------------------------------- all four: one typography


def roles(fig) -> dict[str, list]:
    """The figure's texts by role: title, panel (panel titles and axis labels), source."""
    panel = [ax.title for ax in fig.axes if ax.get_title()]
    panel += [ax.xaxis.label for ax in fig.axes if ax.get_xlabel()]
    panel += [ax.yaxis.label for ax in fig.axes if ax.get_ylabel()]
    if fig._supylabel is not None:
        panel.append(fig._supylabel)
    return {"title": [fig._suptitle], "panel": panel, "source": [fig._supxlabel]}


@pytest.fixture
def four_figures(tmp_path: Path, kit) -> dict[str, object]:
    path = export_file(tmp_path, kit)
    return {
        "fig1": histogram(path, SHARES),
        "fig2": histogram(path, WEIGHTED),
        "fig3": idle_figure(tmp_path / "idle"),
        "fig4": day_figure(tmp_path / "days"),
    }


def test_the_four_figures_share_one_typography(four_figures) -> None:
    """Within a figure, every panel title and axis label has one size; the figure's title is
    bold and larger than any of them, the source line under the panels smaller, in the same
    grey and size on every figure; panel texts have one size across the four figures, and the
    two shorter figures (Fig. 3 and Fig. 4) one title size."""
    panel_sizes, source_styles = set(), set()
    for name, fig in four_figures.items():
        texts = roles(fig)
        sizes = {point_size(t) for t in texts["panel"]}
        assert len(sizes) == 1, (name, sizes)
        (title,), (source,) = texts["title"], texts["source"]
        assert is_bold(title), name
        assert point_size(title) > max(sizes) > point_size(source), name
        panel_sizes |= sizes
        source_styles.add((point_size(source), to_hex(source.get_color())))
    assert len(panel_sizes) == 1 and len(source_styles) == 1
    assert to_hex(next(iter(source_styles))[1]) != "#000000", "the source line is muted"
    fig3, fig4 = four_figures["fig3"], four_figures["fig4"]
    assert point_size(fig3._suptitle) == point_size(fig4._suptitle)


def test_the_drawing_fills_the_figure(four_figures) -> None:
    """The panels, labels, titles and source line reach to within a quarter inch of every
    edge of the figure: no wide blank margins."""
    for name, fig in four_figures.items():
        used = fig.get_tightbbox()  # inches
        width, height = fig.get_size_inches()
        margins = (used.x0, used.y0, width - used.x1, height - used.y1)
        assert all(-0.01 < margin < 0.25 for margin in margins), (name, margins)
