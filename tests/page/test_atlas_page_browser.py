"""The atlas page in headless Chromium: it loads cleanly and offline, shows every section, its
tables equal the CSVs cell for cell, it fits a 390 px screen, prints, and shows hostile text as
text."""

from __future__ import annotations

import csv
import itertools
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

SECTION_IDS = (
    "top",
    "fig-4",
    "question",
    "figures",
    "fig-1",
    "fig-2",
    "tables",
    "populations",
    "paper-table",
    "summary",
    "round-split",
    "token-weighted",
    "bins",
    "idle",
    "fig-3",
    "idle-gap",
    "idle-cost",
    "inputs",
    "step-audit",
    "bad-lines",
    "provenance",
    "glossary",
    "method",
    "code-structure",
    "how-to-run",
    "outputs",
)
# DOM table id -> output file
CSV_TABLE_IDS = {
    "summary-table": "cache_hit_ratio_summary.csv",
    "round-split-table": "cache_hit_ratio_round_split.csv",
    "token-weighted-table": "cache_hit_ratio_token_weighted.csv",
    "bins-table": "cache_hit_ratio_bins.csv",
    "audit-table": "cache_hit_ratio_step_audit.csv",
    "idle-gap-table": "cache_hit_idle_gap_summary.csv",
    "idle-cost-table": "human_idle_cache_counterfactual_summary.csv",
}
# Columns of fractions the page shows in percent with one decimal, by DOM table id.
PERCENT_COLUMNS = {
    "summary-table": ("mean_hit_ratio", "p01", "p25", "median", "p75", "p99"),
    "token-weighted-table": ("token_weighted_hit_rate",),
}
TABLE_CELLS_JS = """id => [...document.getElementById(id).rows].map(
    row => [...row.cells].map(cell => cell.textContent))"""


@pytest.fixture()
def open_page(browser_context) -> Iterator[Any]:
    """Open a URL in a new tab, recording console errors, page errors, dialogs and every
    request outside `allowed` (those are aborted)."""
    opened = []

    def opener(url: str, allowed: str, width: int = 1280, height: int = 900) -> Any:
        page = browser_context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.atlas = {"console": [], "errors": [], "dialogs": [], "outside": [], "seen": []}

        def route(route: Any) -> None:
            page.atlas["seen"].append(route.request.url)
            if route.request.url.startswith(allowed):
                route.continue_()
            else:
                page.atlas["outside"].append(route.request.url)
                route.abort()

        def on_console(message: Any) -> None:
            if message.type == "error":
                page.atlas["console"].append(message.text)

        def on_dialog(dialog: Any) -> None:
            page.atlas["dialogs"].append(dialog.message)
            dialog.dismiss()

        page.route("**/*", route)
        page.on("console", on_console)
        page.on("pageerror", lambda error: page.atlas["errors"].append(str(error)))
        page.on("dialog", on_dialog)
        page.goto(url, wait_until="load")
        opened.append(page)
        return page

    yield opener
    for page in opened:
        page.close()


def folder_prefix(served, folder: Path) -> str:
    return served.url(folder) + "/"


def csv_rows(path: Path, limit: int | None = None) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows if limit is None else rows[: limit + 1]


def markdown_rows(path: Path) -> list[list[str]]:
    """The paper table's cells, parsed here independently of the page's loader."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    return [rows[0], *rows[2:]]


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_page_loads_offline_without_errors(open_page, served, atlas_run, scheme) -> None:
    if scheme == "http":
        url, allowed = served.url(atlas_run.page), folder_prefix(served, atlas_run.out)
    else:
        url, allowed = atlas_run.page.as_uri(), atlas_run.out.as_uri() + "/"
    page = open_page(url, allowed)
    assert page.atlas["outside"] == [], "requests left the output folder"
    assert page.atlas["console"] == []
    assert page.atlas["errors"] == []
    assert page.atlas["dialogs"] == []
    assert page.evaluate("document.scripts.length") == 0
    assert len(page.atlas["seen"]) == 5, page.atlas["seen"]  # the page and its four figures


def test_every_image_decodes(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    images = page.evaluate(
        "[...document.images].map(i => [i.getAttribute('src'), i.naturalWidth, i.alt])"
    )
    assert [src for src, _, _ in images] == [
        "cache_by_day.png",
        "cache_hit_ratio_histogram.png",
        "cache_hit_ratio_append_weighted_histogram.png",
        "cache_hit_idle_gap.png",
    ]
    for src, natural_width, alt in images:
        assert natural_width > 0, f"{src} did not decode"
        assert alt.strip(), f"{src} has no alt text"


def test_every_section_is_present_in_order(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    ids = page.evaluate(
        "[...document.querySelectorAll('h1[id], h2[id], h3[id], h4[id]')].map(h => h.id)"
    )
    assert [i for i in ids if i in SECTION_IDS] == list(SECTION_IDS)
    for section in SECTION_IDS:
        assert page.locator(f"#{section}").is_visible(), section


def test_the_page_opens_with_the_answer(open_page, served, atlas_run) -> None:
    """The first section after the title is the headline, line for line as the run wrote it."""
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    ids = page.evaluate("[...document.querySelectorAll('h2[id]')].map(h => h.id)")
    assert ids[0] == "answer"
    shown = page.evaluate(
        "[...document.querySelectorAll('#headline li')].map(li => li.textContent)"
    )
    written = [row[1] for row in csv_rows(atlas_run.out / "cache_headline.csv")[1:]]
    assert shown == written
    assert any(line.startswith("lost to cache misses") for line in shown)
    top = page.locator("#answer").bounding_box()
    assert top is not None and top["y"] < page.locator("#glossary").bounding_box()["y"]


# ---------------------------------------------------------------- the numbers


@pytest.mark.parametrize("table_id", sorted(CSV_TABLE_IDS))
def test_table_equals_its_csv_cell_for_cell(
    open_page, served, atlas_run, table_id, read_as_written
) -> None:
    """Every cell as written, or as a reader reads it (rounded, thousands separated): the
    header, the row headers and the shape exactly."""
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    shown = page.evaluate(TABLE_CELLS_JS, table_id)
    written = csv_rows(atlas_run.out / CSV_TABLE_IDS[table_id])
    assert len(shown) == len(written) and shown[0] == written[0]
    for shown_row, row in zip(shown[1:], written[1:], strict=True):
        assert shown_row[0] == row[0] and len(shown_row) == len(row)
        for got, want in zip(shown_row, row, strict=True):
            assert read_as_written(got, want), (table_id, row[:2], got, want)
    for column in PERCENT_COLUMNS.get(table_id, ()):
        cells = [row[shown[0].index(column)] for row in shown[1:]]
        assert all(re.fullmatch(r"[0-9]+\.[0-9]%", text) for text in cells if text), cells


def test_paper_table_equals_the_markdown_file(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    shown = page.evaluate(TABLE_CELLS_JS, "paper-rate-table")
    assert shown == markdown_rows(atlas_run.out / "cache_hit_ratio_table.md")
    caption = page.locator("#paper-rate-caption").inner_text()
    assert "whatever its first" in caption and "Fig. 1" in caption


def test_population_counts_are_quoted_from_the_files(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    shown = page.evaluate(
        "[...document.querySelectorAll('.facts dd:not(.from)')].map(d => d.textContent)"
    )
    summary = {(r[0], r[1]): r for r in csv_rows(atlas_run.out / "cache_hit_ratio_summary.csv")}
    weighted = csv_rows(atlas_run.out / "cache_hit_ratio_token_weighted.csv")
    eligible, gate_passing = summary[("merged", "all")][2], weighted[1][2]
    assert f"{int(eligible):,}" in shown and f"{int(gate_passing):,}" in shown
    assert eligible != gate_passing  # the trace has steps with no or another first event


def test_provenance_shows_run_manifest_as_written(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    document = json.loads(
        (atlas_run.out / "run_manifest.json").read_text(),
        parse_int=str,
        parse_float=str,
    )
    fields = page.evaluate(
        "[...document.querySelectorAll('#provenance-fields dt')].map("
        "dt => [dt.textContent, dt.nextElementSibling.textContent])"
    )
    inputs = page.locator("#provenance-1-details")
    assert inputs.get_attribute("open") is None  # the input files: collapsed, with their count
    rows = len(document["inputs"])
    assert f"({rows:,} rows" in page.locator("#provenance-1-details summary").inner_text()
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    text = page.locator("section[aria-labelledby=provenance]").inner_text()
    for key, value in document.items():
        if isinstance(value, str):
            assert [key, value] in fields
        elif isinstance(value, dict):
            for name, number in value.items():
                assert [f"{key}.{name}", number] in fields
        elif isinstance(value, list):
            for item in value:
                for cell in item.values():
                    assert str(cell) in text
    assert page.evaluate(TABLE_CELLS_JS, "provenance-1-table")[0] == ["path", "size", "sha256"]
    build = page.locator(".build").inner_text()
    assert document["dbt_invocation_id"] in build and document["dbt_version"] in build


def test_sql_links_open_the_models_sources(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    links = page.evaluate(
        "[...document.querySelectorAll('.lineage a.name')].map(a => [a.textContent, a.href])"
    )
    names = [name for name, _ in links]
    assert names.index("base_trace__lines") < names.index("int_steps_classified")
    assert names.index("int_steps_classified") < names.index("cache_hit_ratio_bins")
    for name, href in links:
        with urllib.request.urlopen(href) as response:
            assert response.status == 200, name
    for href in page.evaluate(
        "[...document.querySelectorAll('.lineage a.name')].map(a => a.getAttribute('href'))"
    ):
        assert (atlas_run.out / urllib.request.url2pathname(href)).resolve().is_file(), href


# ---------------------------------------------------------------- screens and print


def test_fits_a_390_px_screen_and_screenshots(open_page, served, atlas_run, screenshots) -> None:
    allowed = folder_prefix(served, atlas_run.out)
    narrow = open_page(served.url(atlas_run.page), allowed, width=390, height=844)
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 390
    wide_tables = narrow.evaluate(
        "[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > "
        "w.clientWidth).length"
    )
    assert wide_tables > 0  # the summary scrolls inside its own container
    narrow.screenshot(path=str(screenshots / "atlas-page-390.png"), full_page=True)
    desktop = open_page(served.url(atlas_run.page), allowed)
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280
    desktop.screenshot(path=str(screenshots / "atlas-page-desktop.png"), full_page=True)
    for name in ("atlas-page-390.png", "atlas-page-desktop.png"):
        assert (screenshots / name).stat().st_size > 50_000


def test_print_media_render(open_page, served, atlas_run, screenshots) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.table-wrap')).overflowX")
        == "visible"
    )
    assert page.locator("#bins-table tbody tr").last.is_visible()
    pdf = page.pdf(path=str(screenshots / "atlas-page-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    assert page.atlas["console"] == [] and page.atlas["outside"] == []


# ---------------------------------------------------------------- accessibility


def test_accessibility_basics(open_page, served, atlas_run) -> None:
    page = open_page(served.url(atlas_run.page), folder_prefix(served, atlas_run.out))
    assert page.evaluate("document.documentElement.lang") == "en"
    levels = page.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert page.evaluate(
        "[...document.querySelectorAll('th')].every(th => ['col','row'].includes(th.scope))"
    )
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert page.evaluate(
        "[...document.querySelectorAll('a[href^=\"#\"]')].every("
        "a => document.getElementById(decodeURIComponent(a.hash.slice(1))))"
    ), "an in-page link points nowhere"
    assert page.evaluate(
        "[...document.querySelectorAll('[aria-labelledby]')].every(e => e.getAttribute("
        "'aria-labelledby').split(' ').every(i => document.getElementById(i)))"
    )
    assert page.evaluate(
        "[...document.querySelectorAll('.table-wrap')].every(w => w.tabIndex === 0 && "
        "w.getAttribute('role') === 'region')"
    )


# ---------------------------------------------------------------- dbt docs front door


def test_exposure_urls_open_from_the_served_docs_site(served, atlas_run) -> None:
    docs_url = served.url(atlas_run.target / "index.html")
    manifest = json.loads(atlas_run.manifest.read_text())
    urls = [e["url"] for e in manifest["exposures"].values() if e["package_name"] == "trace_atlas"]
    assert len(urls) >= 6
    for url in urls:
        assert not url.startswith("file:"), url
        with urllib.request.urlopen(urljoin(docs_url, url)) as response:
            assert response.status == 200, url
    assert "doc.trace_atlas.__overview__" in manifest["docs"]


def test_docs_site_front_page_is_the_project_overview(open_page, served, atlas_run) -> None:
    docs_url = served.url(atlas_run.target / "index.html")
    page = open_page(docs_url, served.base + "/")
    page.wait_for_selector("text=Trace Atlas: the prefix-cache hit ratio", timeout=20_000)
    assert page.atlas["outside"] == []


# ---------------------------------------------------------------- hostile input


def test_hostile_text_renders_as_text_and_never_runs(
    open_page, hostile_served, hostile_run, payloads
) -> None:
    script, img, file_name = payloads["script"], payloads["img"], payloads["file"]
    page = open_page(
        hostile_served.url(hostile_run.page), folder_prefix(hostile_served, hostile_run.out)
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__atlasInjected") is None
    assert page.atlas["dialogs"] == []
    assert page.atlas["errors"] == []
    assert page.evaluate("document.scripts.length") == 0
    images = page.evaluate("[...document.images].map(i => i.getAttribute('src'))")
    assert images == [  # the figures, drawn although six providers share four scope orders
        "cache_by_day.png",
        "cache_hit_ratio_histogram.png",
        "cache_hit_ratio_append_weighted_histogram.png",
        "cache_hit_idle_gap.png",
    ]
    assert page.atlas["outside"] == []
    text = page.locator("main").inner_text()
    summary = page.evaluate(TABLE_CELLS_JS, "summary-table")
    scopes = {row[0] for row in summary[1:]}
    assert {script, img} <= scopes  # providers, as literal characters
    rejected = page.evaluate(TABLE_CELLS_JS, "rejected-table")
    assert rejected == csv_rows(hostile_run.out / "rejected_lines.csv", 20)
    assert any(file_name in cell for row in rejected for cell in row)  # the file name
    excerpts = " ".join(row[-1] for row in rejected[1:])
    assert script in excerpts  # model and project, inside the line excerpt
    assert img.replace('"', '\\"') in excerpts
    assert file_name in text  # and in the provenance inputs
