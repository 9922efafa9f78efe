"""What each PNG carries and says about itself, checked on a folder each test draws itself (no
shared drawing): which output files are embedded and as what, the run at a glance, the column
each figure plots, the PNG's own Title."""

from __future__ import annotations

import csv
import hashlib
import json
import locale
from pathlib import Path

import pytest
from PIL import Image
from trace_atlas import figures as plot_figures
from trace_atlas import sidecar as png_sidecar

DPI = 10
IDLE_HEADER = ("provider", "hit_ratio", "gap_seconds")
DAY_HEADER = ("day", "provider", "steps", "hit_rate", "dollars_lost")


def add_idle_and_day_files(out: Path) -> None:
    with open(out / "cache_hit_idle_gap_points.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([IDLE_HEADER, ("codex", "0.5", "30.0")])
    (out / "cache_hit_idle_gap_summary.csv").write_text(
        "low_hit_threshold,idle_threshold_seconds\n0.1,300.0\n", encoding="utf-8"
    )
    with open(out / "cache_by_day.csv", "w", newline="", encoding="utf-8") as f:
        rows = [DAY_HEADER, ("2026-06-01", "codex", "3", "0.5", "1.5")]
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_every_table_of_the_folder_is_embedded_as_data(kit, tmp_path: Path) -> None:
    """Every CSV, Markdown and LaTeX output is embedded as data, run_manifest.json as the
    run's provenance; nothing else of the folder (a figure, a marker, a note) is."""
    project, out = kit.make_project(tmp_path)
    (out / "notes.txt").write_text("not an output\n")
    (out / "old_figure.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    payload = plot_figures.collect_payload(project, out)
    outputs = {name: kind for name, kind in payload.kinds.items() if name.startswith("output/")}
    tables = [p.name for p in out.iterdir() if p.suffix in (".csv", ".md", ".tex")]
    assert {"cache_hit_ratio_table.md", "prefix_cache_hit_rate_table.tex"} <= set(tables)
    assert outputs == {f"output/{name}": "data" for name in tables} | {
        "output/run_manifest.json": "provenance"
    }
    for name in outputs:
        assert payload.files[name] == (out / name.removeprefix("output/")).read_bytes()


def test_the_run_at_a_glance_is_the_embedded_run_manifest(kit, tmp_path: Path) -> None:
    project, out = kit.make_project(tmp_path)
    content = (out / "run_manifest.json").read_bytes()
    run = json.loads(content)
    payload = plot_figures.collect_payload(project, out)
    assert payload.run == {
        "file": "output/run_manifest.json",
        "sha256": hashlib.sha256(content).hexdigest(),
        "dbt_invocation_id": run["dbt_invocation_id"],
        "git_commit": run["git_commit"],
        "written_at": run["written_at"],
        "inputs": [
            {"path": item["path"], "size": item["size"], "sha256": item["sha256"]}
            for item in run["inputs"]
        ],
    }


def test_two_processes_draw_all_four_figures_each_naming_what_it_plots(kit, tmp_path: Path) -> None:
    """With two processes, the idle-gap and per-day figures are drawn too, after the two
    histograms; each PNG names the CSV columns it plots (as the test wrote them), says that
    its SQL is the source as written, and carries its title as the PNG's own Title."""
    project, out = kit.make_project(tmp_path)
    add_idle_and_day_files(out)
    lines = plot_figures.draw(out, project, dpi=DPI, jobs=2)
    plotted = {
        "cache_hit_ratio_histogram.png": f"output/{kit.export_name}:round_share_pct",
        "cache_hit_ratio_append_weighted_histogram.png": (
            f"output/{kit.export_name}:append_token_share_pct"
        ),
        "cache_hit_idle_gap.png": "output/cache_hit_idle_gap_points.csv:gap_seconds,hit_ratio",
        "cache_by_day.png": "output/cache_by_day.csv:day,hit_rate,dollars_lost",
    }
    titles = [spec.title for spec in plot_figures.FIGURES]
    titles += [plot_figures.IDLE_TITLE, plot_figures.DAY_TITLE]
    assert [line.split()[1] for line in lines] == [str(out / name) for name in plotted]
    for (name, column), title in zip(plotted.items(), titles, strict=True):
        read = png_sidecar.read_sidecar(out / name)
        png_sidecar.verify(read)
        assert read.manifest["figure"] == name
        assert read.manifest["plotted_column"] == column
        assert read.manifest["sql"] == "source"
        assert read.manifest["sql_note"] == (
            "dbt models and macros as written (Jinja unrendered), not target/compiled"
        )
        with Image.open(out / name) as image:
            assert image.text["Title"] == title
            assert image.text["Software"].startswith("Matplotlib version")


@pytest.fixture
def ascii_locale():
    """The C locale's ASCII as the locale's text encoding, as on a machine without a UTF-8
    locale (Python not in UTF-8 mode)."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield locale.getpreferredencoding(False)
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_the_export_is_read_as_utf8_whatever_the_locale(kit, tmp_path: Path, ascii_locale):
    path = tmp_path / kit.export_name
    kit.write_export(path, kit.export_rows())
    export = plot_figures.read_export(path)
    assert [label for label, _ in export.bands] == [label for label, _ in kit.bands.values()]
    assert any(not label.isascii() for label, _ in export.bands), "the test needs a non-ASCII"
