"""The figure step: sizes, colours, panel contents, what comes from the export, and refusal
of malformed exports."""

from __future__ import annotations

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


def test_cli_writes_both_pngs_at_the_expected_pixel_size(rendered) -> None:
    for name in PNG_NAMES:
        path = rendered.out / name
        with Image.open(path) as image:
            assert image.size == EXPECTED_PX
        assert f"{path}  {EXPECTED_PX[0]}x{EXPECTED_PX[1]} px" in rendered.stdout
        assert path.stat().st_mode & 0o777 == png_sidecar.default_file_mode()
    assert "elapsed" in rendered.stdout
    assert rendered.stderr == ""
    assert not list(rendered.out.glob(".*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("name", PNG_NAMES)
def test_every_band_colour_appears_in_the_png(rendered, name: str) -> None:
    with Image.open(rendered.out / name) as image:
        pixels = np.asarray(image.convert("RGB"))
    for colour in (RED, AMBER, BLUE):
        assert colour_mask(pixels, colour).sum() > 200, colour


def test_one_process_quiet_draws_the_same_pixels(rendered, kit, tmp_path: Path) -> None:
    project, out = kit.make_project(tmp_path)
    argv = ["--out", str(out), "--project-dir", str(project), "--dpi", str(TEST_DPI)]
    result = kit.run_plot(*argv, "--jobs", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == "", "--quiet prints only errors"
    for name in PNG_NAMES:
        with Image.open(out / name) as one, Image.open(rendered.out / name) as two:
            assert one.tobytes() == two.tobytes(), name


def test_the_image_is_encoded_once_with_its_sidecar(kit, tmp_path: Path, monkeypatch) -> None:
    """The chunks go in while matplotlib saves; nothing re-opens and re-writes the PNG."""
    project, out = kit.make_project(tmp_path)
    saves: list[str] = []
    real_save = Image.Image.save

    def counting_save(image, fp, *args, **kwargs):
        saves.append(str(fp))
        return real_save(image, fp, *args, **kwargs)

    def no_embed(*args, **kwargs):
        raise AssertionError("png_sidecar.embed must not be used by the figure step")

    monkeypatch.setattr(Image.Image, "save", counting_save)
    monkeypatch.setattr(png_sidecar, "embed", no_embed)
    argv = ["--out", str(out), "--project-dir", str(project), "--dpi", str(TEST_DPI)]
    assert plot_figures.main([*argv, "--jobs", "1", "--quiet"]) == 0
    assert len(saves) == len(PNG_NAMES)
    for name in PNG_NAMES:
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


# ---------------------------------------------------------------- malformed exports


def _set(index: int, column: str, value: str):
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[index][column] = value
        return rows

    return change


def _where(scope: str, trigger: str, column: str, value: str, bin_index: int = 0):
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            key = (row["scope"], row["trigger"], row["bin_index"])
            if key == (scope, trigger, str(bin_index)):
                row[column] = value
        return rows

    return change


def _band_colour_differs(rows):
    rows[20]["band_color"] = "#ff0000"  # merged/user bin 6, band mid (first seen on line 8)
    return rows


def _scope_order_clash(rows):
    for row in rows:
        if row["scope"] == "codex":
            row["scope_order"] = "2"
    return rows


def _drop_bin(rows):
    return [r for r in rows if (r["scope"], r["trigger"], r["bin_index"]) != ("codex", "all", "5")]


def _drop_scopes(rows):
    return [r for r in rows if r["scope"] in ("merged", "claude")]


def _duplicate_first(rows):
    return [*rows, dict(rows[0])]


MALFORMED = [
    # (id, change to the rows, message fragment, the line named (None: the file only))
    ("non-integer count", _set(4, "rounds", "12.5"), "rounds '12.5' is not a non-negative", 6),
    ("negative order", _set(0, "scope_order", "-1"), "scope_order '-1'", 2),
    ("not a colour", _set(3, "band_color", "red"), "band_color 'red' is not #rrggbb", 5),
    ("share above 100", _set(7, "round_share_pct", "100.5"), "not a percentage in [0, 100]", 9),
    ("share not finite", _set(7, "append_token_share_pct", "nan"), "is not a finite number", 9),
    ("empty scope", _set(2, "scope", ""), "scope is empty", 4),
    ("repeated row", _duplicate_first, "merged/all bin 0 repeats line 2", 12 * 14 + 2),
    ("band colour differs", _band_colour_differs, "band 'mid' has", 22),
    ("two scopes, one order", _scope_order_clash, "scope_order 2 has 'codex' here", 6 * 14 + 2),
    (
        "empty share in a non-empty group",
        _where("merged", "all", "round_share_pct", ""),
        "round_share_pct is empty but group_rounds is 183",
        2,
    ),
    (
        "share in an empty group",
        _where("claude", "user", "round_share_pct", "0.0", 3),
        "round_share_pct is set but group_rounds is 0",
        4 * 14 + 3 + 2,
    ),
    ("a group lacks a bin", _drop_bin, "group codex/all lacks bin(s) [5]", 6 * 14 + 2),
    ("two scopes only", _drop_scopes, "2 scope(s), the figure needs 3", None),
]


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_export_is_a_one_line_error_naming_file_and_line(
    tmp_path: Path, kit, capsys, change, message: str, line: int | None
) -> None:
    path = tmp_path / kit.export_name
    kit.write_export(path, change(kit.export_rows()))
    assert plot_figures.main(["--out", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("figures.py: error: "), err
    assert message in err, err
    expected_place = f"{path}, line {line}:" if line else f"{path}:"
    assert expected_place in err, err
    assert not list(tmp_path.glob("*.png"))


def _append_to_line(text: str, line: int, extra: str) -> str:
    lines = text.split("\n")
    lines[line - 1] += extra
    return "\n".join(lines)


RAW_MALFORMED = [
    ("bad header", lambda text: text.replace("band_label,", "", 1), "line 1: header is", 1),
    ("extra cell", lambda text: _append_to_line(text, 3, ",x"), "17 cells, expected 16", 3),
    ("NUL byte", lambda text: _append_to_line(text, 4, "\0"), "\\x00' is not a non", 4),
    ("header only", lambda text: text.split("\n", 1)[0] + "\n", "no data rows", None),
]


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [case[1:] for case in RAW_MALFORMED],
    ids=[case[0] for case in RAW_MALFORMED],
)
def test_malformed_csv_text_is_a_one_line_error(
    tmp_path: Path, kit, capsys, change, message: str, line: int | None
) -> None:
    path = tmp_path / kit.export_name
    kit.write_export(path, kit.export_rows())
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert plot_figures.main(["--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert (f"{path}, line {line}:" if line else f"{path}:") in err, err


def test_export_that_is_not_utf8_is_a_clear_error(tmp_path: Path, kit, capsys) -> None:
    path = tmp_path / kit.export_name
    kit.write_export(path, kit.export_rows())
    path.write_bytes(path.read_bytes().replace("≤".encode(), b"\xff", 1))
    assert plot_figures.main(["--out", str(tmp_path)]) == 1
    assert f"{path}: not UTF-8 text" in capsys.readouterr().err


def test_missing_group_is_a_clear_error(tmp_path: Path, kit) -> None:
    rows = [r for r in kit.export_rows() if (r["scope"], r["trigger"]) != ("codex", "user")]
    kit.write_export(tmp_path / kit.export_name, rows)
    result = kit.run_plot("--out", str(tmp_path), "--dpi", str(TEST_DPI))
    assert result.returncode == 1
    assert "no rows for group codex/user" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert not list(tmp_path.glob("*.png"))


def test_missing_export_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert plot_figures.main(["--out", str(tmp_path)]) == 1
    assert "cache_hit_ratio_histogram_data.csv not found" in capsys.readouterr().err


def test_missing_run_manifest_is_a_warning_unless_quiet(tmp_path: Path, kit) -> None:
    project, out = kit.make_project(tmp_path, with_run_manifest=False)
    argv = ["--out", str(out), "--project-dir", str(project), "--dpi", "10", "--jobs", "1"]
    result = kit.run_plot(*argv)
    assert result.returncode == 0, result.stderr
    assert "warning: no run_manifest.json" in result.stderr
    assert png_sidecar.read_sidecar(out / PNG_NAMES[0]).manifest["run"] is None
    quiet = kit.run_plot(*argv, "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_help_explains_the_options() -> None:
    text = plot_figures.build_parser().format_help()
    for option in ("--out", "--project-dir", "--dpi", "--jobs", "--quiet"):
        assert option in text
    assert "3000 x 2200 px" in text


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_dpi_and_jobs_must_be_positive(value: str, capsys) -> None:
    for option in ("--dpi", "--jobs"):
        with pytest.raises(SystemExit) as stop:
            plot_figures.main(["--out", ".", option, value])
        assert stop.value.code == 2
        assert "expected a positive whole number" in capsys.readouterr().err


def test_default_jobs_never_exceeds_the_figures_or_cpus() -> None:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert 1 <= plot_figures.default_jobs() <= min(len(PNG_NAMES), cpus or 1)
