"""The page's renderer without a browser: the command, errors, atomic writes, run_manifest.json
handling, one source of words, well-formed HTML, the small-bar labels of the figures and the
server's limits."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape
from trace_atlas import figures as plot_figures
from trace_atlas import page as render_page
from trace_atlas import sidecar as png_sidecar
from trace_atlas.cli import main as trace_atlas

PROJECT_DIR = Path(__file__).resolve().parents[2]
VOID_ELEMENTS = {"meta", "link", "img", "br", "hr", "input", "wbr", "source", "col"}
ALT_DOCS = {"cache_hit_ratio_fig1_alt", "cache_hit_ratio_fig2_alt", "idle_gap_fig3_alt"}
ALT_DOCS |= {"cache_by_day_fig4_alt"}


def page_command(*args: str):
    return CliRunner().invoke(trace_atlas, ["page", *args])


def copy_outputs(run, destination: Path, skip: tuple[str, ...] = ()) -> Path:
    """A copy of the run's output folder, beside a copy of nothing else."""
    out = destination / "output" / "cache_hit_ratio"
    shutil.copytree(run.out, out, ignore=shutil.ignore_patterns(*skip) if skip else None)
    return out


def page_text(markup: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


# ---------------------------------------------------------------- the command and its errors


def test_help_explains_the_command() -> None:
    done = page_command("--help")
    assert done.exit_code == 0
    assert "index.html" in done.output and "--out" in done.output


def test_missing_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    done = page_command("--out", str(tmp_path / "nowhere"))
    assert done.exit_code == 1
    assert done.stderr.startswith("Error: output folder")
    assert done.stderr.count("\n") == 1 and done.exception.__class__ is SystemExit


def test_missing_page_context_is_a_clear_error(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path, skip=(render_page.CONTEXT,))
    done = page_command("--out", str(out))
    assert done.exit_code == 1
    assert f"{out / render_page.CONTEXT} not found" in done.stderr
    assert done.stderr.count("\n") == 1 and done.exception.__class__ is SystemExit


def test_missing_docs_block_is_named(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path)
    context = json.loads((out / render_page.CONTEXT).read_text())
    del context["docs"]["atlas_glossary"]
    (out / render_page.CONTEXT).write_text(json.dumps(context))
    with pytest.raises(render_page.PageError, match="'atlas_glossary'"):
        render_page.render(out)


def test_the_writer_renders_the_page_at_the_end_of_every_run(atlas_run, hostile_run) -> None:
    assert atlas_run.writer_wrote_page and hostile_run.writer_wrote_page


# ---------------------------------------------------------------- writing


def test_rerender_is_atomic_identical_and_shareable(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path)
    first = render_page.render(out).read_bytes()
    path = render_page.render(out)
    assert path.read_bytes() == first
    assert not list(out.glob(".index.html.*"))
    assert path.stat().st_mode & 0o777 == 0o666 & ~current_umask()


def current_umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_without_run_manifest_the_page_says_so(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path, skip=("run_manifest.json",))
    text = render_page.render(out).read_text()
    assert "This run wrote no run_manifest.json" in text
    assert 'id="provenance-fields"' not in text


def test_unreadable_run_manifest_is_reported_on_the_page(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path)
    (out / "run_manifest.json").write_text("{not json")
    text = render_page.render(out).read_text()
    assert "run_manifest.json could not be read" in text


def test_run_manifest_values_are_shown_as_written(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path)
    (out / "run_manifest.json").write_text(
        '{"rows": {"read": 1.50, "huge": 123456789012345678901234567890}, "ok": true,'
        ' "note": null, "inputs": [{"path": "a b.jsonl", "size_bytes": 7}]}'
    )
    data = render_page.load_page_data(out)
    assert data["provenance"]["fields"] == [
        ("rows.read", "1.50"),
        ("rows.huge", "123456789012345678901234567890"),
        ("ok", "true"),
        ("note", "null"),
    ]
    ((name, table),) = data["provenance"]["tables"]
    assert name == "inputs" and table["rows"] == [["a b.jsonl", "7"]]


def test_a_caption_after_the_markdown_table_changes_nothing(tmp_path: Path, atlas_run) -> None:
    """The writer may append the docs block cache_hit_ratio_table_caption below the table."""
    out = copy_outputs(atlas_run, tmp_path)
    before = render_page.load_page_data(out)["paper_table"]
    assert len(before["rows"]) == 3 and before["header"][0] == "Metric"
    table = out / "cache_hit_ratio_table.md"
    table.write_text(table.read_text() + "\nToken-weighted prefix cache-hit rate | of all steps.\n")
    assert render_page.load_page_data(out)["paper_table"] == before


def test_without_figures_the_page_says_they_were_not_drawn(tmp_path: Path, atlas_run) -> None:
    out = copy_outputs(atlas_run, tmp_path, skip=("*.png",))
    text = render_page.render(out).read_text()
    assert "<img" not in text
    assert text.count("was not drawn in this run") == 4


def table_cells(markup: str, table_id: str) -> list[list[str]]:
    """The text of every cell of one table of the page, row by row."""
    table = re.search(rf'<table id="{table_id}".*?</table>', markup, re.DOTALL)
    assert table is not None, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.DOTALL)
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.DOTALL)
    return [[page_text(text) for text in cell.findall(row)] for row in rows]


def test_the_idle_section_shows_fig_3_and_both_tables_for_reading(
    atlas_run, read_as_written
) -> None:
    """Fig. 3 is drawn, provenanced and shown in its section, with the idle-gap summary and
    the thinking-time table and summary, every cell as its file holds it or rounded for
    reading (the page says so under the table)."""
    page = atlas_run.page.read_text()
    section = page[page.index('<h2 id="idle">') : page.index('<h2 id="inputs">')]
    figure = atlas_run.out / plot_figures.IDLE_FIGURE
    assert f'src="{plot_figures.IDLE_FIGURE}"' in section
    manifest = png_sidecar.read_sidecar(figure).manifest
    assert manifest["figure"] == plot_figures.IDLE_FIGURE
    assert "output/cache_hit_idle_gap_points.csv" in png_sidecar.read_sidecar(figure).files
    text = page_text(section)
    tables = {"idle-gap-table": "cache_hit_idle_gap_summary.csv"}
    tables["idle-cost-table"] = "human_idle_cache_counterfactual_summary.csv"
    for table_id, name in tables.items():
        with open(atlas_run.out / name, newline="", encoding="utf-8") as handle:
            written = list(csv.reader(handle))
        shown = table_cells(section, table_id)
        assert len(shown) == len(written) and shown[0] == written[0], name
        for shown_row, row in zip(shown[1:], written[1:], strict=True):
            assert len(shown_row) == len(row)
            for got, want in zip(shown_row, row, strict=True):
                assert read_as_written(got, want), (name, row[0], got, want)
        assert f"From {name} , its numbers rounded for reading" in text
    for table_id, column in (
        ("idle-gap-table", "low_hit_threshold"),
        ("idle-cost-table", "total_cost_reduction_pct"),
    ):  # rates in percent with one decimal, whatever the file writes
        shown = table_cells(section, table_id)
        cells = [row[shown[0].index(column)] for row in shown[1:]]
        assert all(re.fullmatch(r"[0-9]+\.[0-9]%", text) for text in cells if text), cells
    lines = (atlas_run.out / "human_idle_cache_counterfactual.md").read_text().splitlines()
    for line in lines[2:10]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert " ".join(cells) in text, line


def test_the_page_names_its_source_and_dates(atlas_run) -> None:
    """Under the title: the trace the run read and the first and last day of its steps."""
    page = atlas_run.page.read_text()
    source = page_text(re.search(r'<p id="source">(.*?)</p>', page).group(1))
    recorded = json.loads((atlas_run.out / "run_manifest.json").read_text())
    kind = {"trace": "trace", None: "input"}[recorded.get("input_kind")]
    with open(atlas_run.out / "cache_by_day.csv", newline="", encoding="utf-8") as handle:
        days = [row["day"] for row in csv.DictReader(handle) if row["day"]]
    (trace,) = atlas_run.trace_files
    assert source == f"Source: {kind} {trace}, steps dated {min(days)} to {max(days)} (UTC)"


# ---------------------------------------------------------------- content


def test_every_docs_block_is_on_the_page_in_its_own_words(atlas_run) -> None:
    """The run copied dbt's docs blocks into page_context.json word for word, and the page shows
    every one of them."""
    manifest = json.loads(atlas_run.manifest.read_text())
    context = json.loads((atlas_run.out / render_page.CONTEXT).read_text())
    page = atlas_run.page.read_text()
    text = page_text(page)
    outputs = render_page.load_page_data(atlas_run.out)["outputs"]
    for name in render_page.SECTION_DOCS:
        block = manifest["docs"][f"doc.trace_atlas.{name}"]["block_contents"]
        assert context["docs"][name] == block.strip(), name
        if name in ALT_DOCS:
            alt = " ".join(block.replace("`", "").replace("**", "").split())
            assert f'alt="{escape(alt)}"' in page, name
        elif name == "atlas_output_files":  # shown item by item, with each file's size
            described = [file for file in outputs if file["description"]]
            assert len(described) == block.count("\n- `") + 1
            for file in described:
                assert file["description"].split()[0] in block, file["name"]
                assert page_text(render_page.inline_markdown(file["description"])) in text
        else:
            assert page_text(render_page.markdown(block)) in text, name


def test_the_figures_embed_the_same_docs_blocks(atlas_run) -> None:
    name = "models/marts/prefix_cache/_atlas_page__docs.md"
    sidecar = png_sidecar.read_sidecar(atlas_run.out / "cache_hit_ratio_histogram.png")
    assert sidecar.files[name] == (PROJECT_DIR / name).read_bytes()


def test_the_page_is_offline_and_computes_nothing(atlas_run) -> None:
    page = atlas_run.page.read_text()
    assert "<script" not in page.lower()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page


class TagBalance(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_the_html_is_well_formed(atlas_run, hostile_run) -> None:
    for run in (atlas_run, hostile_run):
        page = run.page.read_text()
        assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
        parser = TagBalance()
        parser.feed(page)
        parser.close()
        assert parser.problems == [] and parser.stack == []


def test_lineage_runs_from_the_trace_to_the_figures(atlas_run) -> None:
    data = render_page.load_page_data(atlas_run.out)
    names = [entry["name"] for entry in data["lineage"]]
    kinds = [entry["kind"] for entry in data["lineage"]]
    assert names[0] == "trace.steps" and kinds[-1] == "exposure"
    assert names.index("stg_trace__steps") < names.index("int_steps_classified")
    assert "Fig. 1 - Per-step cache hit ratio" in names
    for entry in data["lineage"]:
        if entry["kind"] == "model":
            assert entry["href"] and entry["href"].endswith(".sql"), entry["name"]
            assert (atlas_run.out / entry["href"]).resolve() == PROJECT_DIR / entry["path"]
    summary = next(e for e in data["lineage"] if e["name"] == "cache_hit_ratio_summary")
    assert ("Method and assumptions", "#method") in summary["explained_in"]
    assert "Validity gate" not in summary["description"]  # the method is linked, not repeated
    assert "int_steps_classified" not in data["side_models"]
    assert data["side_models"] == sorted(data["side_models"]) and data["side_models"]


# ---------------------------------------------------------------- Markdown


def test_markdown_escapes_everything_and_keeps_only_safe_links() -> None:
    rendered = render_page.markdown(
        '**a** `<b>` <script>x</script> [ok](#method) [no](javascript:alert(1)) "q"\n\n- one\n  two'
    )
    assert "<script>" not in rendered
    assert "&lt;script&gt;x&lt;/script&gt;" in rendered
    assert "<code>&lt;b&gt;</code>" in rendered
    assert '<a href="#method">ok</a>' in rendered
    assert "javascript:" not in rendered.replace("[no](javascript:alert(1))", "")
    assert "<ul>\n<li>one\ntwo</li>\n</ul>" in rendered
    assert render_page.inline_markdown("a `b` <i>") == "a <code>b</code> &lt;i&gt;"


# ---------------------------------------------------------------- the figures' small bars


def test_bars_under_one_percent_carry_their_share(atlas_run) -> None:
    export = plot_figures.read_export(atlas_run.out / plot_figures.EXPORT_NAME)
    labelled = 0
    for spec in plot_figures.FIGURES:
        figure = plot_figures.render_figure(export, spec, 50)
        for axes, (scope, trigger) in zip(
            figure.axes,
            [(s, t) for s in export.scopes for t in export.triggers],
            strict=True,
        ):
            cells = [row[spec.value_column] for row in export.groups[(scope, trigger)]]
            heights = [float(cell) if cell else None for cell in cells]
            small = [h for h in heights if h is not None and 0 < h < 1]
            assert [p.get_height() for p in axes.patches] == heights  # numbers unchanged
            expected = [f"{h:.2f}" if h >= 0.005 else "<0.01" for h in small]
            assert [t.get_text() for t in axes.texts] == expected, (scope, trigger)
            labelled += len(small)
    assert labelled > 0  # the 3,000-step trace has small tails to label


# ---------------------------------------------------------------- make serve


def test_the_server_serves_only_the_page_docs_and_sources(served, atlas_run) -> None:
    assert status(served, atlas_run.page) == 200
    assert status(served, atlas_run.target / "index.html") == 200
    assert status(served, PROJECT_DIR / "models" / "overview.md") == 200
    for refused in (
        atlas_run.target / "run_results.json",
        atlas_run.target.parent / "atlas.duckdb",
        atlas_run.out / ".trace_atlas_output",
        Path("/etc/passwd"),
    ):
        assert status(served, refused) == 404, refused


def status(served, path: Path) -> int:
    try:
        url = served.url(path)
    except ValueError:  # outside the server's root: cannot even be named
        return 404
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_root_address_leads_to_the_page(served, atlas_run) -> None:
    with urllib.request.urlopen(served.base + "/") as response:
        assert response.status == 200 and response.url == served.url(atlas_run.page)


def test_make_serve_prints_both_addresses_and_stops_on_ctrl_c(atlas_run) -> None:
    command = [sys.executable, "-m", "trace_atlas", "serve", "--out", str(atlas_run.out)]
    command += ["--target-path", str(atlas_run.target), "--port", "0"]
    server = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = [server.stdout.readline() for _ in range(3)]
        page_url, docs_url = lines[0].split()[-1], lines[1].split()[-1]
        assert lines[0].startswith("atlas page:") and lines[1].startswith("dbt docs site:")
        assert lines[2] == "Ctrl-C stops the server.\n"
        for url in (page_url, docs_url):
            with urllib.request.urlopen(url) as response:
                assert response.status == 200, url
        with urllib.request.urlopen(docs_url) as response:  # closed before the body is read
            assert response.status == 200
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=20)
    finally:
        server.kill()
    assert server.returncode == 0, err
    assert "stopped." in out and "Traceback" not in err


def test_make_serve_without_a_page_is_a_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(trace_atlas, ["serve", "--out", str(tmp_path), "--port", "0"])
    assert done.exit_code == 1
    assert done.stderr == f"Error: no atlas page in {tmp_path}: run `make run` first.\n"
