"""The figure step: sizes, colours, panel contents, and that everything it draws comes from the
export (which it trusts: the mart's invariants are dbt tests)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from PIL import Image
from trace_atlas import figures as plot_figures
from trace_atlas import sidecar as png_sidecar

RED, AMBER, BLUE = "#dc2626", "#d97706", "#2563eb"  # SPEC §3 band colours
TEST_DPI = 50
EXPECTED_PX = (750, 550)  # 15 x 11 in at 50 dpi
PNG_NAMES = ("cache_hit_ratio_histogram.png", "cache_hit_ratio_append_weighted_histogram.png")
TOLERANCE = 3


def colour_mask(pixels: np.ndarray, hex_colour: str) -> np.ndarray:
    """Pixels within TOLERANCE (per channel) of ``hex_colour``."""
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(pixels[..., :3].astype(int) - target) <= TOLERANCE).all(axis=-1)


def panel_pixels(fig, ax) -> np.ndarray:
    """The RGB pixels strictly inside one axes, from the drawn canvas."""
    image = np.asarray(fig.canvas.buffer_rgba())
    box = ax.get_window_extent()
    height = image.shape[0]
    top, bottom = int(height - box.y1) + 2, int(height - box.y0) - 2
    return image[top:bottom, int(box.x0) + 2 : int(box.x1) - 2, :3]


def drawn_figure(export, value_column: str):
    spec = next(s for s in plot_figures.FIGURES if s.value_column == value_column)
    fig = plot_figures.render_figure(export, spec, TEST_DPI)
    fig.canvas.draw()
    return fig


def drawn(export, value_column: str, scopes=None, triggers=None):
    """The drawn figure and its panels by (scope, trigger), the grid as the test expects it."""
    fig = drawn_figure(export, value_column)
    scopes = scopes or ("merged", "claude", "codex")
    triggers = triggers or ("all", "user", "tool_result")
    return fig, {
        (scope, trigger): fig.axes[len(triggers) * r + c]
        for r, scope in enumerate(scopes)
        for c, trigger in enumerate(triggers)
    }


def titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def legend_entries(fig) -> list[tuple[str, str]]:
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    colours = [to_hex(h.get_facecolor()) for h in legend.legend_handles]
    return list(zip(texts, colours, strict=True))


def expected_title(
    kit, scope: str, trigger: str, shown_scope: str = "", shown_trigger: str = ""
) -> str:
    """The panel title the fixture's group should get (names as shown, if renamed)."""
    steps = sum(s for s, _ in kit.groups[(scope, trigger)].values())
    return f"{shown_scope or scope} / {shown_trigger or trigger} (n={steps:,})"


# ---------------------------------------------------------------- the CLI and the PNGs


def test_both_pngs_are_written_at_the_expected_pixel_size(rendered) -> None:
    assert len(rendered.lines) == len(PNG_NAMES)
    for name, line in zip(PNG_NAMES, rendered.lines, strict=True):
        path = rendered.out / name
        with Image.open(path) as image:
            assert image.size == EXPECTED_PX
        assert line.startswith(f"wrote {path}  {EXPECTED_PX[0]}x{EXPECTED_PX[1]} px")
        assert path.stat().st_mode & 0o777 == png_sidecar.default_file_mode()
    assert not list(rendered.out.glob(".*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("name", PNG_NAMES)
def test_every_band_colour_appears_in_the_png(rendered, name: str) -> None:
    with Image.open(rendered.out / name) as image:
        pixels = np.asarray(image.convert("RGB"))
    for colour in (RED, AMBER, BLUE):
        assert colour_mask(pixels, colour).sum() > 200, colour


def test_one_process_draws_the_same_pixels(rendered, kit, tmp_path: Path, monkeypatch) -> None:
    """In one process (the second figure not forked), each image is encoded once, with its
    sidecar chunks, while matplotlib saves it: nothing re-opens and re-writes a PNG."""
    project, out = kit.make_project(tmp_path)
    saves: list[str] = []
    real_save = Image.Image.save

    def counting_save(image, fp, *args, **kwargs):
        saves.append(str(fp))
        return real_save(image, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", counting_save)
    plot_figures.draw(out, project, dpi=TEST_DPI, jobs=1)
    assert len(saves) == len(PNG_NAMES)
    for name in PNG_NAMES:
        with Image.open(out / name) as one, Image.open(rendered.out / name) as two:
            assert one.tobytes() == two.tobytes(), name
        png_sidecar.verify(png_sidecar.read_sidecar(out / name))


# ---------------------------------------------------------------- panels


def test_bar_heights_and_colours_are_the_exported_values(fixture_export, kit) -> None:
    rows: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in kit.export_rows():
        rows.setdefault((r["scope"], r["trigger"]), []).append(r)
    for column in ("round_share_pct", "append_token_share_pct"):
        _, axes = drawn(fixture_export, column)
        for group, ax in axes.items():
            if rows[group][0][column] == "":
                assert not ax.patches
                continue
            assert [p.get_height() for p in ax.patches] == [float(r[column]) for r in rows[group]]
            colours = [to_hex(p.get_facecolor()) for p in ax.patches]
            assert colours == [r["band_color"] for r in rows[group]]


def test_panel_titles_carry_scope_trigger_and_step_count(fixture_export, kit) -> None:
    fig, axes = drawn(fixture_export, "round_share_pct")
    assert len(fig.axes) == 9, "only merged, claude, codex are drawn"
    assert titles(fig) == [
        expected_title(kit, scope, trigger)
        for scope in ("merged", "claude", "codex")
        for trigger in ("all", "user", "tool_result")
    ]
    assert axes[("claude", "user")].get_title() == "claude / user (n=0)"
    assert axes[("codex", "user")].get_title() == "codex / user (n=1)"
    assert all("unknown" not in title for title in titles(fig))


def test_empty_group_draws_a_labelled_empty_panel(fixture_export) -> None:
    fig, axes = drawn(fixture_export, "round_share_pct")
    empty = axes[("claude", "user")]
    assert [t.get_text() for t in empty.texts] == ["no steps"]
    pixels = panel_pixels(fig, empty)
    assert not any(colour_mask(pixels, c).any() for c in (RED, AMBER, BLUE))
    full = panel_pixels(fig, axes[("claude", "tool_result")])
    assert all(colour_mask(full, c).sum() > 20 for c in (RED, AMBER, BLUE))


def test_single_step_group_is_one_full_height_blue_bar(fixture_export) -> None:
    fig, axes = drawn(fixture_export, "round_share_pct")
    pixels = panel_pixels(fig, axes[("codex", "user")])
    blue = colour_mask(pixels, BLUE)
    assert not colour_mask(pixels, RED).any() and not colour_mask(pixels, AMBER).any()
    assert blue.any(axis=1).mean() > 0.9, "a 100% bar spans (nearly) the whole panel height"


def test_group_with_steps_but_no_append_tokens(fixture_export) -> None:
    _, axes = drawn(fixture_export, "append_token_share_pct")
    assert [t.get_text() for t in axes[("codex", "user")].texts] == ["no append tokens"]
    assert [t.get_text() for t in axes[("claude", "user")].texts] == ["no append tokens"]


def visible_labels(labels) -> list[str]:
    return [t.get_text() for t in labels if t.get_visible() and t.get_text()]


def test_axes_are_shared_and_bin_labels_only_on_the_bottom_row(fixture_export, kit) -> None:
    fig, axes = drawn(fixture_export, "round_share_pct")
    assert all(ax.get_ylim() == (0.0, 100.0) for ax in fig.axes)
    assert len({ax.get_xlim() for ax in fig.axes}) == 1
    for (scope, _), ax in axes.items():
        labels = visible_labels(ax.get_xticklabels())
        if scope == "codex":
            assert labels == [label for label, _ in kit.bins]
            assert all(t.get_rotation() == 60 for t in ax.get_xticklabels())
            assert {t.get_fontsize() for t in ax.get_xticklabels()} == {9.0}  # eleven fit
        else:
            assert labels == []


def test_legend_is_one_patch_per_band_in_band_order(fixture_export, kit) -> None:
    fig = drawn_figure(fixture_export, "round_share_pct")
    assert legend_entries(fig) == list(kit.bands.values())


# ---------------------------------------------------------------- everything comes from the data


def test_legend_text_comes_from_band_label(read_rows, kit) -> None:
    rows = kit.export_rows()
    for row in rows:
        if row["band"] == "mid":
            row["band_label"] = "amber: 0.4 to 0.8, from the export"
        if row["band"] == "high":
            row["band_color"] = "#0f766e"
    fig = drawn_figure(read_rows(rows), "append_token_share_pct")
    assert legend_entries(fig) == [
        ("hit ratio ≤ 0.4", RED),
        ("amber: 0.4 to 0.8, from the export", AMBER),
        ("hit ratio > 0.8", "#0f766e"),
    ]


def test_a_fourth_scope_does_not_break_the_grid(read_rows, kit) -> None:
    early = kit.group_rows("unknown", "all", {2: (3, 30)})
    late = kit.group_rows("unknown", "user", {})
    for row in early:
        row["scope"], row["scope_order"] = "aaa_sorts_first", "5"
    for row in late:
        row["scope"], row["scope_order"] = "zz_sorts_last", "6"
    export = read_rows([*early, *kit.export_rows(), *late])  # extra scopes first and last
    assert export.scopes == ("merged", "claude", "codex")
    fig = drawn_figure(export, "round_share_pct")
    assert len(fig.axes) == 9
    assert [t.split(" / ")[0] for t in titles(fig)] == ["merged"] * 3 + ["claude"] * 3 + [
        "codex"
    ] * 3


def test_other_scopes_may_share_one_order(read_rows, kit) -> None:
    """The marts give every provider beyond the canonical scopes one shared scope_order (4):
    the figures draw as they would without them."""
    extra = []
    for scope in ("gemini", "unknown"):
        for trigger in ("all", "user", "tool_result"):
            for row in kit.group_rows("unknown", trigger, {3: (2, 40)}):
                extra.append(row | {"scope": scope})
    rows = [row for row in kit.export_rows() if row["scope"] != "unknown"]
    export = read_rows([*rows[:20], *extra, *rows[20:]])
    assert {row["scope_order"] for row in extra} == {"4"}
    assert export.scopes == ("merged", "claude", "codex")
    for column in ("round_share_pct", "append_token_share_pct"):
        plain = drawn_figure(read_rows(rows), column)
        fig = drawn_figure(export, column)
        assert titles(fig) == titles(plain)
        for ax, ax_plain in zip(fig.axes, plain.axes, strict=True):
            assert [p.get_height() for p in ax.patches] == [
                p.get_height() for p in ax_plain.patches
            ]


def test_scope_and_trigger_names_and_order_come_from_the_export(read_rows, kit) -> None:
    """A renamed or re-ordered canonical scope shows up as such: nothing is hard-coded."""
    rows = kit.export_rows()
    for row in rows:
        if row["scope"] == "claude":
            row["scope"], row["scope_order"] = "anthropic", "3"
        elif row["scope"] == "codex":
            row["scope_order"] = "2"
        if row["trigger"] == "tool_result":
            row["trigger"], row["trigger_order"] = "tool", "0"
    fig = drawn_figure(read_rows(rows), "round_share_pct")
    assert titles(fig) == [
        expected_title(kit, scope, trigger, shown_scope, shown_trigger)
        for scope, shown_scope in (
            ("merged", "merged"),
            ("codex", "codex"),
            ("claude", "anthropic"),
        )
        for trigger, shown_trigger in (("tool_result", "tool"), ("all", "all"), ("user", "user"))
    ]


def test_bins_come_from_the_export(read_rows, kit) -> None:
    rows = [row for row in kit.export_rows() if int(row["bin_index"]) in (0, 5, 9, 13)]
    for row in rows:
        row["bin"] = "bin " + row["bin"]
    _, axes = drawn(read_rows(rows), "round_share_pct")
    labels = ["bin 0", "bin (.20,.40]", "bin (.90,.95]", "bin (.995,1]"]
    assert visible_labels(axes[("codex", "all")].get_xticklabels()) == labels
    assert len(axes[("merged", "all")].patches) == 4
    assert axes[("merged", "all")].get_xlim() == (-0.6, 3.6)


# ---------------------------------------------------------------- errors


def test_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(plot_figures.PlotError) as raised:
        plot_figures.draw(tmp_path)
    assert raised.value.message.startswith(f"{tmp_path / plot_figures.EXPORT_NAME} not found")
    assert not list(tmp_path.iterdir())


def test_without_run_manifest_the_figures_carry_no_run(tmp_path: Path, kit) -> None:
    project, out = kit.make_project(tmp_path, with_run_manifest=False)
    plot_figures.draw(out, project, dpi=10, jobs=1)
    manifest = png_sidecar.read_sidecar(out / PNG_NAMES[0]).manifest
    assert manifest["run"] is None
    assert not [entry for entry in manifest["files"] if entry["kind"] == "provenance"]


def test_default_jobs_never_exceeds_the_figures_or_cpus() -> None:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert 1 <= plot_figures.default_jobs() <= min(len(PNG_NAMES), cpus or 1)


# ---------------------------------------------------------------- Fig. 3


IDLE_POINTS = [  # provider, hit ratio, idle wait (s), as the writer formats them
    ("codex", "0.5", "30.0"),
    ("claude", "0.02", "412.5"),
    ("claude", "0.97", "0.0"),
    ("codex", "0.05", "3601.25"),
    ("claude", "0.9", "12.0"),
]


def write_idle_files(out: Path) -> None:
    with open(out / plot_figures.IDLE_POINTS_NAME, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [("provider", "hit_ratio", "gap_seconds"), *IDLE_POINTS]
        )
    summary = "scope,trigger,low_hit_threshold,idle_threshold_seconds\nmerged,all,0.1,300.0\n"
    (out / plot_figures.IDLE_SUMMARY_NAME).write_text(summary, encoding="utf-8")


def test_fig3_draws_each_user_step_against_its_idle_wait(kit, tmp_path: Path) -> None:
    """With the idle-gap points in the folder, Fig. 3 is drawn too: one log-x panel per
    provider, the exported points as they are, the 300 s line, and the same provenance."""
    project, out = kit.make_project(tmp_path)
    write_idle_files(out)
    lines = plot_figures.draw(out, project, dpi=TEST_DPI, jobs=1)
    path = out / plot_figures.IDLE_FIGURE
    assert len(lines) == len(PNG_NAMES) + 1 and lines[-1].startswith(f"wrote {path}")
    read = png_sidecar.read_sidecar(path)
    png_sidecar.verify(read)
    assert read.manifest["figure"] == plot_figures.IDLE_FIGURE
    assert read.manifest["run"]["dbt_invocation_id"] == kit.run_manifest["dbt_invocation_id"]
    assert "output/cache_hit_idle_gap_points.csv" in read.files
    fig = plot_figures.render_idle_figure(plot_figures.read_idle_points(out), TEST_DPI)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["claude (n=3 user steps)", "codex (n=2 user steps)"]
    for ax, provider in zip(axes, ("claude", "codex"), strict=True):
        assert ax.get_xscale() == "log"
        shown = [tuple(point) for point in ax.collections[0].get_offsets().data]
        assert shown == [(float(g), float(h)) for p, h, g in IDLE_POINTS if p == provider]
        vertical = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert vertical == [300.0]


# ---------------------------------------------------------------- Fig. 4

DAY_ROWS = [  # day, provider, steps, hit_rate, dollars_lost, as the writer formats them
    ("", "codex", "4", "0.5", "0.125"),
    ("2026-06-01", "claude", "10", "0.9375", "0.25"),
    ("2026-06-01", "codex", "3", "0.625", "1.5"),
    ("2026-06-02", "claude", "2", "", "0.0"),
    ("2026-06-04", "claude", "7", "0.984375", "0.0625"),
]
DAY_HEADER = ("day", "provider", "steps", "input_tokens", "cache_read_tokens", "hit_rate")
DAY_HEADER += ("reprefilled_tokens", "input_usd", "dollars_lost")


def write_day_file(out: Path) -> None:
    with open(out / "cache_by_day.csv", "w", newline="", encoding="utf-8") as handle:
        rows = [(d, p, s, "100", "", h, "0", "2.0", lost) for d, p, s, h, lost in DAY_ROWS]
        csv.writer(handle, lineterminator="\n").writerows([DAY_HEADER, *rows])


def test_fig4_draws_hit_rate_and_dollars_lost_per_day(kit, tmp_path: Path) -> None:
    """With cache_by_day.csv in the folder, Fig. 4 is drawn last: per provider the hit rate of
    each dated row (top, a percent axis scaled to the data) and its dollars lost (bottom), the
    undated steps named in the title, the source and dates under the panels, the payload."""
    project, out = kit.make_project(tmp_path)
    write_day_file(out)
    lines = plot_figures.draw(out, project, dpi=TEST_DPI, jobs=1)
    path = out / plot_figures.DAY_FIGURE
    assert len(lines) == len(PNG_NAMES) + 1 and lines[-1].startswith(f"wrote {path}")
    read = png_sidecar.read_sidecar(path)
    png_sidecar.verify(read)
    assert read.manifest["figure"] == "cache_by_day.png"
    assert read.manifest["plotted_column"] == "output/cache_by_day.csv:day,hit_rate,dollars_lost"
    assert read.manifest["run"]["dbt_invocation_id"] == kit.run_manifest["dbt_invocation_id"]
    assert read.files["output/cache_by_day.csv"] == (out / "cache_by_day.csv").read_bytes()
    assert png_sidecar.png_size(path) == (750, 400)
    fig = plot_figures.render_day_figure(plot_figures.read_days(out), TEST_DPI, "Source: x")
    (top_claude, top_codex), (bottom_claude, bottom_codex) = np.reshape(fig.axes, (2, 2))
    assert top_claude.get_title() == "claude (3 days)"
    assert top_codex.get_title() == "codex (1 days; 4 steps without a time not drawn)"
    shown = top_claude.get_lines()[0].get_ydata()
    assert np.array_equal(shown, [0.9375, np.nan, 0.984375], equal_nan=True)
    assert [p.get_height() for p in bottom_claude.patches] == [0.25, 0.0, 0.0625]
    assert [p.get_height() for p in bottom_codex.patches] == [1.5]
    assert list(top_codex.get_lines()[0].get_ydata()) == [0.625]
    low, high = top_claude.get_ylim()
    assert 0.9 < low < 0.9375 and 0.984375 < high < 1.0  # scaled to the data, not 0 to 100%
    assert top_claude.yaxis.get_major_formatter()(0.95, 0) == "95.0%"
    assert bottom_claude.yaxis.get_major_formatter()(0.25, 0) == "$0.25"
    assert fig.get_supxlabel().endswith("\nSource: x")


def test_fig4_is_skipped_cleanly_without_its_csv(kit, tmp_path: Path) -> None:
    project, out = kit.make_project(tmp_path)
    lines = plot_figures.draw(out, project, dpi=10, jobs=1)
    assert len(lines) == len(PNG_NAMES)
    assert not (out / plot_figures.DAY_FIGURE).exists()


def test_every_figure_names_its_source_and_dates(kit, tmp_path: Path, monkeypatch) -> None:
    """All four figures carry the folder's source line under their panels; it names the input
    files and the first and last day of cache_by_day.csv."""
    from trace_atlas.provenance import source_line

    project, out = kit.make_project(tmp_path)
    write_idle_files(out)
    write_day_file(out)
    assert source_line(out) == (
        "Source: trace, 2 files under data/split, steps dated 2026-06-01 to 2026-06-04 (UTC)"
    )
    drawn: dict[str, str] = {}
    monkeypatch.setattr(plot_figures, "source_line", lambda folder: f"Source of {folder.name}")
    monkeypatch.setattr(
        plot_figures, "save", lambda fig, name, *rest: drawn.setdefault(name, fig.get_supxlabel())
    )
    plot_figures.draw(out, project, dpi=10, jobs=1)
    assert [text.splitlines()[-1] for text in drawn.values()] == ["Source of output"] * 4
