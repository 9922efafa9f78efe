"""The figure step: sizes, colours, panel contents and refusal of malformed exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from PIL import Image

import plot_figures

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


def drawn(groups, value_column: str):
    spec = next(s for s in plot_figures.FIGURES if s.value_column == value_column)
    fig = plot_figures.render_figure(groups, spec, TEST_DPI)
    fig.canvas.draw()
    axes = fig.axes
    return fig, {
        (scope, trigger): axes[3 * r + c]
        for r, scope in enumerate(plot_figures.SCOPES)
        for c, trigger in enumerate(plot_figures.TRIGGERS)
    }


def test_cli_writes_both_pngs_at_the_expected_pixel_size(rendered) -> None:
    for name in PNG_NAMES:
        path = rendered.out / name
        with Image.open(path) as image:
            assert image.size == EXPECTED_PX
        assert f"{path}  {EXPECTED_PX[0]}x{EXPECTED_PX[1]} px" in rendered.stdout
    assert "elapsed" in rendered.stdout
    assert not list(rendered.out.glob(".*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("name", PNG_NAMES)
def test_every_band_colour_appears_in_the_png(rendered, name: str) -> None:
    with Image.open(rendered.out / name) as image:
        pixels = np.asarray(image.convert("RGB"))
    for colour in (RED, AMBER, BLUE):
        assert colour_mask(pixels, colour).sum() > 200, colour


def test_bar_heights_and_colours_are_the_exported_values(fixture_groups, kit) -> None:
    rows = {(r["scope"], r["trigger"]): [] for r in kit.export_rows()}
    for r in kit.export_rows():
        rows[(r["scope"], r["trigger"])].append(r)
    for column in ("round_share_pct", "append_token_share_pct"):
        _, axes = drawn(fixture_groups, column)
        for group, ax in axes.items():
            if rows[group][0][column] == "":
                assert not ax.patches
                continue
            assert [p.get_height() for p in ax.patches] == [float(r[column]) for r in rows[group]]
            colours = [to_hex(p.get_facecolor()) for p in ax.patches]
            assert colours == [r["band_color"] for r in rows[group]]


def test_panel_titles_carry_scope_trigger_and_step_count(fixture_groups, kit) -> None:
    fig, axes = drawn(fixture_groups, "round_share_pct")
    assert len(fig.axes) == 9, "only merged, claude, codex are drawn"
    steps = sum(s for s, _ in kit.groups[("claude", "tool_result")].values())
    assert axes[("claude", "tool_result")].get_title() == f"claude / tool_result (n={steps:,})"
    assert axes[("claude", "user")].get_title() == "claude / user (n=0)"
    assert axes[("codex", "user")].get_title() == "codex / user (n=1)"
    assert all("unknown" not in ax.get_title() for ax in fig.axes)


def test_empty_group_draws_a_labelled_empty_panel(fixture_groups) -> None:
    fig, axes = drawn(fixture_groups, "round_share_pct")
    empty = axes[("claude", "user")]
    assert [t.get_text() for t in empty.texts] == ["no steps"]
    pixels = panel_pixels(fig, empty)
    assert not any(colour_mask(pixels, c).any() for c in (RED, AMBER, BLUE))
    full = panel_pixels(fig, axes[("claude", "tool_result")])
    assert all(colour_mask(full, c).sum() > 20 for c in (RED, AMBER, BLUE))


def test_single_step_group_is_one_full_height_blue_bar(fixture_groups) -> None:
    fig, axes = drawn(fixture_groups, "round_share_pct")
    pixels = panel_pixels(fig, axes[("codex", "user")])
    blue = colour_mask(pixels, BLUE)
    assert not colour_mask(pixels, RED).any() and not colour_mask(pixels, AMBER).any()
    assert blue.any(axis=1).mean() > 0.9, "a 100% bar spans (nearly) the whole panel height"


def test_group_with_steps_but_no_append_tokens(fixture_groups) -> None:
    _, axes = drawn(fixture_groups, "append_token_share_pct")
    assert [t.get_text() for t in axes[("codex", "user")].texts] == ["no append tokens"]
    assert [t.get_text() for t in axes[("claude", "user")].texts] == ["no append tokens"]


def visible_labels(labels) -> list[str]:
    return [t.get_text() for t in labels if t.get_visible() and t.get_text()]


def test_axes_are_shared_and_bin_labels_only_on_the_bottom_row(fixture_groups) -> None:
    fig, axes = drawn(fixture_groups, "round_share_pct")
    assert all(ax.get_ylim() == (0.0, 100.0) for ax in fig.axes)
    for (scope, _), ax in axes.items():
        labels = visible_labels(ax.get_xticklabels())
        if scope == plot_figures.SCOPES[-1]:
            assert labels[:3] == ["0", "(0,.01]", "(.01,.05]"] and len(labels) == 14
            assert all(t.get_rotation() == 60 for t in ax.get_xticklabels())
        else:
            assert labels == []


def test_missing_group_is_a_clear_error(tmp_path: Path, kit) -> None:
    rows = [r for r in kit.export_rows() if (r["scope"], r["trigger"]) != ("codex", "user")]
    kit.write_export(tmp_path / "cache_hit_ratio_histogram_data.csv", rows)
    result = kit.run_plot("--out", str(tmp_path), "--dpi", str(TEST_DPI))
    assert result.returncode == 1
    assert "codex/user" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.png"))


def test_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    assert plot_figures.main(["--out", str(tmp_path)]) == 1
