"""The atlas page, OUT/index.html, rendered from the files of OUT alone (page_context.json holds
what it needs of dbt's manifest), so `trace-atlas page --out X` renders the run that wrote X. The
autoescaped template gets load_page_data's dictionary only; the page computes nothing."""

from __future__ import annotations

import csv
import json
import re
from itertools import dropwhile, takewhile
from pathlib import Path
from typing import Any

import click
import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from trace_atlas import PROJECT_DIR, csv_rows, sidecar
from trace_atlas.lineage import PAGE_NAME, SECTION_DOCS, read_lineage
from trace_atlas.outputs import RUN_MANIFEST, docs_blocks, format_cell
from trace_atlas.provenance import source_line

CONTEXT = "page_context.json"
REJECTED_SHOWN = 20
# key: (file, leading columns shown as row headers)
CSV_TABLES = {
    "summary": ("cache_hit_ratio_summary.csv", 2),
    "round_split": ("cache_hit_ratio_round_split.csv", 3),
    "token_weighted": ("cache_hit_ratio_token_weighted.csv", 2),
    "bins": ("cache_hit_ratio_bins.csv", 3),
    "audit": ("cache_hit_ratio_step_audit.csv", 2),
    "rejected": ("rejected_lines.csv", 2),
    "idle_gap": ("cache_hit_idle_gap_summary.csv", 2),
    "idle_cost": ("human_idle_cache_counterfactual_summary.csv", 1),
}
# (exposure = PNG stem, docs blocks <prefix>_caption and <prefix>_alt)
FIGURES = (
    ("cache_hit_ratio_histogram", "cache_hit_ratio_fig1"),
    ("cache_hit_ratio_append_weighted_histogram", "cache_hit_ratio_fig2"),
)
IDLE_FIGURE = ("cache_hit_idle_gap", "idle_gap_fig3")
DAY_FIGURE = ("cache_by_day", "cache_by_day_fig4")
# How the page shows a CSV's numbers (reading_cell; the file keeps every digit), by column.
PERCENTILES = ("mean_hit_ratio", "p01", "p05", "p10", "p25", "median", "p75", "p90", "p95", "p99")
GAPS = ("low_gap_median_s", "low_gap_p90_s", "all_gap_median_s", "all_gap_p90_s")
IDLE_RATES = ("append_reduction_pct_of_all_append", "user_append_reduction_pct")
IDLE_RATES += ("total_cost_reduction_pct",)
READ_AS = {
    "cache_hit_ratio_summary.csv": dict.fromkeys(PERCENTILES, "rate"),
    "cache_hit_ratio_token_weighted.csv": {"token_weighted_hit_rate": "rate"},
    "cache_hit_idle_gap_summary.csv": {"low_hit_threshold": "rate"}
    | dict.fromkeys(GAPS, "seconds"),
    "human_idle_cache_counterfactual_summary.csv": dict.fromkeys(IDLE_RATES, "rate"),
}
# The step counts that tell the populations apart: (table, row, column) -> label.
POPULATIONS = {
    ("audit", ("lines", "steps_ingested"), "count"): "Steps ingested from the trace",
    ("summary", ("merged", "all"), "rounds"): (
        "Eligible steps: summary, round split, bins, Fig. 1 and 2 (merged / all, the n of the "
        "first panel)"
    ),
    ("token_weighted", ("merged", "all"), "rounds"): (
        "Gate-passing steps, whatever their first event: token-weighted merged / all, the paper "
        "table's first row (Total)"
    ),
    ("audit", ("steps", "excluded_steps"), "count"): (
        "Ingested steps left out of the hit-ratio statistics"
    ),
}
INTEGER_CELL = re.compile(r"^-?[0-9]+$")
NUMBER_CELL = re.compile(r"^-?\$?[0-9][0-9.,e+-]*%?$|^--$")
OUTPUT_ITEM = re.compile(r"^`([^`]+)`:\s*(.*)$", re.DOTALL)
MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML is shown as text


class PageError(click.ClickException):
    """A problem the user can fix, shown as one line."""


def markdown(text: str) -> Markup:
    """A docs text as HTML: CommonMark, every character escaped, unsafe link targets dropped."""
    return Markup(MARKDOWN.render(text))


def inline_markdown(text: str) -> Markup:
    """A one-paragraph docs text as HTML without the enclosing paragraph."""
    return Markup(MARKDOWN.renderInline(text.strip()))


def table(source: str, lines: list[list[str]] | None, row_headers: int) -> dict[str, Any]:
    """A table as written in its file (lines None: the run wrote no such file)."""
    header, rows = (lines[0], lines[1:]) if lines else ([], [])
    columns = list(zip(*rows, strict=False)) or [() for _ in header]
    numeric = [any(col) and all(not c or NUMBER_CELL.match(c) for c in col) for col in columns]
    return {
        "source": source,
        "present": lines is not None,
        "header": header,
        "rows": rows,
        "row_headers": row_headers,
        "numeric": numeric,  # right-aligned
        "rounded": False,  # numbers shown for reading (read_csv), not as written
    }


def read_csv(path: Path, row_headers: int, limit: int | None = None) -> dict[str, Any]:
    """A CSV's table, its numbers shown for reading (reading_cell); row headers as written."""
    if not path.is_file():
        return table(path.name, None, row_headers)
    with open(path, newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))[: None if limit is None else limit + 1]
    shown = lines
    if lines and path.name != "rejected_lines.csv":  # its excerpts are text, whatever they hold
        formats = [reading_format(path.name, name) for name in lines[0]]
        cells = [[reading_cell(t, f) for t, f in zip(r, formats, strict=False)] for r in lines[1:]]
        kept = [row[:row_headers] for row in lines[1:]]
        shown = lines[:1] + [head + c[row_headers:] for head, c in zip(kept, cells, strict=True)]
    return table(path.name, shown, row_headers) | {"rounded": shown != lines}


def reading_format(file: str, column: str) -> str | None:
    """READ_AS's format of a CSV column, else the thinking-time summary's by suffix, else None."""
    declared = READ_AS.get(file, {})
    if column in declared or file != "human_idle_cache_counterfactual_summary.csv":
        return declared.get(column)
    return "usd" if column.endswith("_usd") else "seconds" if column.endswith("_seconds") else None


def reading_cell(text: str, fmt: str | None) -> str:
    """A CSV cell as shown: `rate` as the writer's percent, seconds with one decimal, dollars
    with two (three significant digits under $1), integers with thousands separators."""
    if not text or (fmt is None and not INTEGER_CELL.match(text)):
        return text
    if fmt is None:
        return f"{int(text):,}"
    value = float(text)
    if fmt == "rate":
        return format_cell(value, "rate")
    if fmt == "seconds":
        return f"{value:,.1f}"
    return f"${value:,.2f}" if abs(value) >= 1 or value == 0 else f"${value:.3g}"


def read_markdown_table(path: Path) -> dict[str, Any]:
    """The cells of the first table of a Markdown file, as written (a caption may follow it)."""
    if not path.is_file():
        return table(path.name, None, 1)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = list(takewhile(is_row, dropwhile(lambda line: not is_row(line), lines)))
    cells = [re.split(r"(?<!\\)\|", line.strip().strip("|")) for line in lines]
    cells = [[text.strip().replace("\\|", "|") for text in row] for row in cells]
    return table(path.name, cells[:1] + cells[2:], 1)


def is_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def cell(table: dict[str, Any], key: tuple[str, ...], column: str) -> str:
    """The cell of `column` in the row that starts with `key` ('' when there is none)."""
    row = next((r for r in table["rows"] if tuple(r[: len(key)]) == key), None)
    return row[table["header"].index(column)] if row and column in table["header"] else ""


def population_facts(tables: dict[str, dict]) -> list[dict[str, str]]:
    """The step counts that tell the populations apart on this run, quoted from the files."""
    return [
        {
            "label": label,
            "value": cell(tables[key], row, column),
            "source": f"{tables[key]['source']}: {', '.join(row)}, {column}",
        }
        for (key, row, column), label in POPULATIONS.items()
    ]


def json_text(value: Any) -> str:
    """A JSON value as it was written (numbers were read as their text)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def flatten(document: dict, prefix: str = "") -> tuple[list, list]:
    """Scalars as (dotted key, text); lists of objects as tables."""
    fields, tables = [], []
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            more_fields, more_tables = flatten(value, f"{name}.")
            fields, tables = fields + more_fields, tables + more_tables
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            header = list(dict.fromkeys(k for item in value for k in item))
            rows = [[json_text(item[k]) if k in item else "" for k in header] for item in value]
            tables.append((name, table(RUN_MANIFEST, [header, *rows], 1)))
        elif isinstance(value, list):
            fields.append((name, ", ".join(json_text(v) for v in value)))
        else:
            fields.append((name, json_text(value)))
    return fields, tables


def read_run_manifest(path: Path) -> dict[str, Any]:
    """run_manifest.json as written; a missing or unreadable file is said on the page."""
    provenance: dict[str, Any] = {"present": path.is_file(), "problem": None}
    provenance |= {"fields": [], "tables": [], "document": {}}
    if not provenance["present"]:
        return provenance
    try:
        document = json.loads(path.read_bytes(), parse_int=str, parse_float=str)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return provenance | {"problem": f"{path.name} could not be read: {error}"}
    if not isinstance(document, dict):
        return provenance | {"problem": f"{path.name} is not a JSON object."}
    fields, tables = flatten(document)
    return provenance | {"fields": fields, "tables": tables, "document": document}


def context_of(manifest: dict) -> dict:
    """The project's docs blocks and resources with their parents, for the writer's CONTEXT."""
    project = manifest["metadata"].get("project_name", "trace_atlas")
    kept = ("name", "resource_type", "original_file_path", "description", "label", "url")
    resources = {
        key: {field: node[field] for field in (*kept, "source_name") if node.get(field)}
        for group in ("sources", "nodes", "exposures")
        for key, node in manifest[group].items()
        if node["package_name"] == project
        and node["resource_type"] in ("source", "seed", "model", "exposure")
    }
    return {
        "docs": {name: text.strip() for name, text in docs_blocks(manifest).items()},
        "resources": resources,
        "parent_map": {key: manifest["parent_map"].get(key, []) for key in resources},
    }


def read_context(out_dir: Path) -> dict:
    path = out_dir / CONTEXT
    if not path.is_file():
        problem = "this folder was written without the page's context; run `make run` again."
        raise PageError(f"{path} not found: {problem}")
    context = json.loads(path.read_text(encoding="utf-8"))
    for name in SECTION_DOCS:
        if name not in context["docs"]:
            raise PageError(f"docs block {name!r} is not in {path}: run `make run` again.")
    return context


def output_files(out_dir: Path, docs: dict[str, str]) -> list[dict[str, Any]]:
    """The outputs docs block atlas_output_files describes (written or not), then other files."""
    items = [t.content for t in MARKDOWN.parse(docs["atlas_output_files"]) if t.type == "inline"]
    described = dict(m.groups() for item in items if (m := OUTPUT_ITEM.match(item)))
    for path in sorted(out_dir.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            described.setdefault(path.name, "")
    files = []
    for name, description in described.items():
        present = name == PAGE_NAME or (out_dir / name).is_file()
        size = (out_dir / name).stat().st_size if present and name != PAGE_NAME else None
        files.append({"name": name, "description": description, "size": size, "present": present})
    return files


def figure_entry(
    number: int, figure: tuple[str, str], out_dir: Path, docs: dict, exposures: dict
) -> dict[str, Any]:
    name, blocks = figure
    path = out_dir / f"{name}.png"
    size = sidecar.png_size(path) if path.is_file() else (None, None)
    return {
        "number": number,
        "file": path.name,
        "title": exposures.get(name, {}).get("label") or path.name,
        "caption": docs[f"{blocks}_caption"],
        "alt": " ".join(docs[f"{blocks}_alt"].replace("`", "").replace("**", "").split()),
        "width": size[0],
        "height": size[1],
        "present": path.is_file(),
    }


def load_page_data(out_dir: Path, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Everything the page shows, read from the output folder (the template gets nothing else)."""
    out_dir, project_dir = Path(out_dir).resolve(), Path(project_dir).resolve()
    summary = out_dir / CSV_TABLES["summary"][0]
    if not summary.is_file():
        problem = "not the output folder of a finished run (make run writes one)."
        raise PageError(f"output folder {out_dir} holds no {summary.name}: {problem}")
    context = read_context(out_dir)
    docs = context["docs"]
    tables = {
        key: read_csv(out_dir / name, headers, REJECTED_SHOWN if key == "rejected" else None)
        for key, (name, headers) in CSV_TABLES.items()
    }
    resources = context["resources"].values()
    exposures = {n["name"]: n for n in resources if n["resource_type"] == "exposure"}
    figures = [figure_entry(n, fig, out_dir, docs, exposures) for n, fig in enumerate(FIGURES, 1)]
    provenance = read_run_manifest(out_dir / RUN_MANIFEST)
    run = provenance["document"]
    build = (("dbt", "dbt_version"), ("adapter", "adapter"))
    build += (("dbt invocation", "dbt_invocation_id"), ("built", "build_finished_at"))
    lineage, side_models = read_lineage(context, project_dir, out_dir)
    return {
        "docs": docs,
        "build": [(label, run[key]) for label, key in build if isinstance(run.get(key), str)],
        "figures": figures,
        "paper_table": read_markdown_table(out_dir / "cache_hit_ratio_table.md"),
        "idle_figure": figure_entry(3, IDLE_FIGURE, out_dir, docs, exposures),
        "idle_table": read_markdown_table(out_dir / "human_idle_cache_counterfactual.md"),
        "day_figure": figure_entry(4, DAY_FIGURE, out_dir, docs, exposures),
        "source": source_line(out_dir),
        "tables": tables,
        "populations": population_facts(tables),
        "rejected_shown": REJECTED_SHOWN,
        "provenance": provenance,
        "lineage": lineage,
        "side_models": side_models,
        "outputs": output_files(out_dir, docs),
        "headline": [row["line"] for row in csv_rows(out_dir / "cache_headline.csv")],
    }


ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENVIRONMENT.filters.update(markdown=markdown, inline_markdown=inline_markdown)
ENVIRONMENT.filters["thousands"] = "{:,}".format


def render(out_dir: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """Write out_dir/index.html from the files of out_dir (atomically); return its path."""
    template = ENVIRONMENT.get_template("atlas_page.html.j2")
    html = template.render(page=load_page_data(out_dir, project_dir))
    path = Path(out_dir).resolve() / PAGE_NAME
    return sidecar.write_atomically(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
