"""Render the experiment as one self-contained web page, index.html, in its output folder.

Two sources of truth, nothing else:

* the files of the output folder, written by the run: the CSV tables (every cell is shown
  exactly as written, so the page's numbers are the CSVs' by construction), the Markdown paper
  table, the PNG figures (referenced next to the page) and run_manifest.json (provenance; the
  page says so when it is missing);
* dbt's manifest (target/manifest.json): the docs blocks (every word of the page: the same
  words dbt docs and the PNG sidecar show), the model descriptions, the lineage and the
  exposures.

All reading happens in `load_page_data` (and the readers it calls), which returns a plain
`PageData`; the Jinja2 template (scripts/templates/atlas_page.html.j2, autoescaped) consumes
only that. The page computes nothing: no sums, no shares, no JavaScript. It needs no network
(no CDN, no web font; CSS inline, a Content-Security-Policy that allows only its own images)
and is written atomically.

Usage::

    python scripts/render_page.py --out output/cache_hit_ratio   # what `make page` runs

and from Python, at the end of a run: ``page.render(out_dir, manifest_path)``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2

from trace_atlas import (
    PROJECT_DIR,
    atlas_markdown,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "atlas_page.html.j2"
PAGE_NAME = "index.html"
RUN_MANIFEST = "run_manifest.json"
PAPER_TABLE = "cache_hit_ratio_table.md"
REJECTED_SHOWN = 20

# (key, file, leading key columns shown as row headers)
CSV_TABLES = (
    ("summary", "cache_hit_ratio_summary.csv", 2),
    ("round_split", "cache_hit_ratio_round_split.csv", 3),
    ("token_weighted", "cache_hit_ratio_token_weighted.csv", 2),
    ("bins", "cache_hit_ratio_bins.csv", 3),
    ("audit", "cache_hit_ratio_step_audit.csv", 2),
    ("rejected", "rejected_lines.csv", 2),
)
# (exposure name = PNG stem, caption docs block, alt-text docs block)
FIGURES = (
    ("cache_hit_ratio_histogram", "cache_hit_ratio_fig1_caption", "cache_hit_ratio_fig1_alt"),
    (
        "cache_hit_ratio_append_weighted_histogram",
        "cache_hit_ratio_fig2_caption",
        "cache_hit_ratio_fig2_alt",
    ),
)
# Docs blocks the page shows, with the section that shows each (anchors link model
# descriptions that embed a block to the place the page explains it).
SECTION_DOCS = {
    "atlas_glossary": ("Glossary", "glossary"),
    "cache_hit_ratio_question": ("The question", "question"),
    "cache_hit_ratio_method": ("Method and assumptions", "method"),
    "cache_hit_ratio_fig1_caption": ("Fig. 1", "fig-1"),
    "cache_hit_ratio_fig1_alt": ("Fig. 1", "fig-1"),
    "cache_hit_ratio_fig2_caption": ("Fig. 2", "fig-2"),
    "cache_hit_ratio_fig2_alt": ("Fig. 2", "fig-2"),
    "cache_hit_ratio_populations": ("Which steps each number covers", "populations"),
    "cache_hit_ratio_table_caption": ("Paper table", "paper-table"),
    "cache_hit_ratio_summary_caption": ("Summary", "summary"),
    "cache_hit_ratio_round_split_caption": ("Round split", "round-split"),
    "cache_hit_ratio_token_weighted_caption": ("Token-weighted", "token-weighted"),
    "cache_hit_ratio_bins_caption": ("Numbers behind the figures", "bins"),
    "step_audit_caption": ("Step audit", "step-audit"),
    "bad_lines": ("Bad lines", "bad-lines"),
    "run_provenance": ("Provenance", "provenance"),
    "atlas_code_structure": ("Code structure", "code-structure"),
    "atlas_how_to_run": ("How to run it", "how-to-run"),
    "atlas_output_files": ("Output files", "outputs"),
}
_OUTPUT_ITEM = re.compile(r"^`([^`]+)`:\s*(.*)$", re.DOTALL)
_NUMBER_CELL = re.compile(r"^-?[0-9][0-9.,e+-]*%?$|^--$")
_MINIMUM_EMBEDDED_DOC = 40
LAYERS = ("source", "staging", "intermediate", "marts", "exports", "exposure")


class PageError(Exception):
    """A problem the user can fix; printed without a traceback."""


# ---------------------------------------------------------------- the page's data


@dataclass(frozen=True)
class Table:
    """One table as written in its file: header and rows of text cells."""

    source: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_headers: int
    numeric: tuple[bool, ...]
    present: bool


@dataclass(frozen=True)
class Figure:
    number: int
    file: str
    title: str
    caption: str
    alt: str
    width: int | None
    height: int | None
    present: bool


@dataclass(frozen=True)
class Fact:
    """One number the page quotes from a file, with where it comes from."""

    label: str
    value: str
    source: str


@dataclass(frozen=True)
class Provenance:
    present: bool
    fields: tuple[tuple[str, str], ...]
    tables: tuple[tuple[str, Table], ...]
    problem: str | None


@dataclass(frozen=True)
class LineageEntry:
    """A source, model or exposure of the dbt project, in lineage order."""

    name: str
    kind: str
    layer: str
    description: str
    explained_in: tuple[tuple[str, str], ...]
    reads: tuple[str, ...]
    path: str
    href: str | None
    artifact_href: str | None


@dataclass(frozen=True)
class OutputFile:
    name: str
    description: str
    size: int | None
    present: bool


@dataclass(frozen=True)
class PageData:
    """Everything the template shows; read by load_page_data, nothing computed."""

    docs: Mapping[str, str]
    build: tuple[tuple[str, str], ...]
    figures: tuple[Figure, ...]
    paper_table: Table
    tables: Mapping[str, Table]
    populations: tuple[Fact, ...]
    rejected_shown: int
    provenance: Provenance
    lineage: tuple[LineageEntry, ...]
    side_models: tuple[str, ...]
    outputs: tuple[OutputFile, ...]


# ---------------------------------------------------------------- reading the output folder


def numeric_columns(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> tuple[bool, ...]:
    """Per column: every non-empty cell looks like a number (for right alignment only)."""
    columns = list(zip(*rows, strict=True)) or [() for _ in header]
    return tuple(
        any(cells) and all(not c or _NUMBER_CELL.match(c) for c in cells) for cells in columns
    )


def absent_table(source: str) -> Table:
    return Table(source, (), (), 0, (), False)


def read_csv_table(path: Path, row_headers: int, limit: int | None = None) -> Table:
    """A CSV file's header and rows, every cell the exact text of the file."""
    if not path.is_file():
        return absent_table(path.name)
    with open(path, newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    if not lines:
        raise PageError(f"{path} is empty: it should at least hold a header line.")
    header, rows = tuple(lines[0]), tuple(tuple(row) for row in lines[1:])
    if any(len(row) != len(header) for row in rows):
        raise PageError(f"{path}: a row does not have the header's {len(header)} cells.")
    rows = rows if limit is None else rows[:limit]
    return Table(path.name, header, rows, row_headers, numeric_columns(header, rows), True)


def split_markdown_row(line: str) -> tuple[str, ...]:
    """The cells of one `| a | b |` line (a `\\|` inside a cell stays a literal bar)."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return tuple(cell.strip().replace("\\|", "|") for cell in cells)


def read_markdown_table(path: Path) -> Table:
    """The first table of a GitHub-flavoured Markdown file, cells as written."""
    if not path.is_file():
        return absent_table(path.name)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("|")), None)
    if start is None or start + 1 >= len(lines):
        raise PageError(f"{path} holds no Markdown table.")
    table_lines = []
    for line in lines[start:]:
        if not line.lstrip().startswith("|"):
            break
        table_lines.append(line)
    header, rows = split_markdown_row(table_lines[0]), table_lines[2:]
    body = tuple(split_markdown_row(line) for line in rows)
    if any(len(row) != len(header) for row in body):
        raise PageError(f"{path}: a table row does not have the header's {len(header)} cells.")
    return Table(path.name, header, body, 1, numeric_columns(header, body), True)


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the PNG header, or None when the file is not a PNG."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def cell(table: Table, key: tuple[str, ...], column: str) -> str:
    """The cell of `column` in the row whose leading cells are `key` ('' when absent)."""
    if not table.present or column not in table.header:
        return ""
    index = table.header.index(column)
    row = next((r for r in table.rows if r[: len(key)] == key), None)
    return row[index] if row else ""


def population_facts(tables: Mapping[str, Table]) -> tuple[Fact, ...]:
    """The step counts that tell the populations apart on this run, quoted from the files."""
    summary, weighted, audit = tables["summary"], tables["token_weighted"], tables["audit"]
    return (
        Fact(
            "Steps ingested from the trace",
            cell(audit, ("lines", "steps_ingested"), "count"),
            f"{audit.source}: lines, steps_ingested",
        ),
        Fact(
            "Eligible steps: summary, round split, bins, Fig. 1 and 2 (merged / all, the n of "
            "the first panel)",
            cell(summary, ("merged", "all"), "rounds"),
            f"{summary.source}: merged, all, rounds",
        ),
        Fact(
            "Gate-passing steps, whatever their first event: token-weighted merged / all, the "
            "paper table's first row (Total)",
            cell(weighted, ("merged", "all"), "rounds"),
            f"{weighted.source}: merged, all, rounds",
        ),
        Fact(
            "Ingested steps left out of the hit-ratio statistics",
            cell(audit, ("steps", "excluded_steps"), "count"),
            f"{audit.source}: steps, excluded_steps",
        ),
    )


def read_figure(out_dir: Path, number: int, spec: tuple[str, str, str], manifest: dict) -> Figure:
    name, caption_doc, alt_doc = spec
    path = out_dir / f"{name}.png"
    exposure = manifest["exposures"].get(f"exposure.{project_name(manifest)}.{name}", {})
    size = png_size(path) if path.is_file() else None
    return Figure(
        number=number,
        file=path.name,
        title=exposure.get("label") or path.name,
        caption=doc_text(manifest, caption_doc),
        alt=plain_text(doc_text(manifest, alt_doc)),
        width=size[0] if size else None,
        height=size[1] if size else None,
        present=size is not None,
    )


def plain_text(markdown: str) -> str:
    """A docs text as one plain line (alt text): Markdown markers and line breaks dropped."""
    return " ".join(markdown.replace("`", "").replace("**", "").split())


# ---------------------------------------------------------------- run_manifest.json


def json_text(value: Any) -> str:
    """A JSON value as it was written (numbers keep their text: see read_run_manifest)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def object_list_table(items: list[dict]) -> Table:
    """A list of JSON objects as a table, columns in first-seen key order."""
    header: list[str] = []
    for item in items:
        header += [key for key in item if key not in header]
    rows = tuple(
        tuple(json_text(item[key]) if key in item else "" for key in header) for item in items
    )
    return Table(RUN_MANIFEST, tuple(header), rows, 1, numeric_columns(tuple(header), rows), True)


def flatten_run_manifest(
    document: dict, prefix: str = ""
) -> tuple[list[tuple[str, str]], list[tuple[str, Table]]]:
    """Scalars as (dotted key, text); lists of objects as tables."""
    fields: list[tuple[str, str]] = []
    tables: list[tuple[str, Table]] = []
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            more_fields, more_tables = flatten_run_manifest(value, f"{name}.")
            fields += more_fields
            tables += more_tables
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append((name, object_list_table(value)))
        elif isinstance(value, list):
            fields.append((name, ", ".join(json_text(v) for v in value)))
        else:
            fields.append((name, json_text(value)))
    return fields, tables


def read_run_manifest(path: Path) -> Provenance:
    """run_manifest.json as written; a missing or unreadable file is reported on the page."""
    if not path.is_file():
        return Provenance(False, (), (), None)
    try:
        document = json.loads(
            path.read_text(encoding="utf-8"),
            parse_int=str,
            parse_float=str,
            parse_constant=str,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return Provenance(True, (), (), f"{path.name} could not be read: {error}")
    if not isinstance(document, dict):
        return Provenance(True, (), (), f"{path.name} is not a JSON object.")
    fields, tables = flatten_run_manifest(document)
    return Provenance(True, tuple(fields), tuple(tables), None)


# ---------------------------------------------------------------- dbt's manifest


def read_dbt_manifest(path: Path) -> dict:
    if not path.is_file():
        raise PageError(f"{path} not found: build the project first (make run).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PageError(f"{path} is not a dbt manifest: {error}") from error
    if not all(key in manifest for key in ("metadata", "nodes", "docs", "exposures")):
        raise PageError(f"{path} is not a dbt manifest (no nodes, docs or exposures).")
    return manifest


def project_name(manifest: dict) -> str:
    return manifest["metadata"].get("project_name") or "trace_atlas"


def doc_text(manifest: dict, name: str) -> str:
    block = manifest["docs"].get(f"doc.{project_name(manifest)}.{name}")
    if block is None:
        raise PageError(
            f"docs block {name!r} is not in the dbt manifest: rebuild (make run) so that "
            "target/manifest.json carries the docs blocks of models/ (the page shows their words)."
        )
    return block["block_contents"].strip()


def project_docs(manifest: dict) -> dict[str, str]:
    """Every docs block the page shows, by name (an error names any that is missing)."""
    return {name: doc_text(manifest, name) for name in SECTION_DOCS}


def resource(manifest: dict, unique_id: str) -> dict:
    for group in ("nodes", "sources", "exposures"):
        if unique_id in manifest.get(group, {}):
            return manifest[group][unique_id]
    return {}


def ancestors(parent_map: Mapping[str, list[str]], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        for parent in parent_map.get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def lineage_depths(parent_map: Mapping[str, list[str]], members: set[str]) -> dict[str, int]:
    """Longest path from a root within members: sorting by it is a topological order."""
    depths: dict[str, int] = {}

    def depth(node: str) -> int:
        if node not in depths:
            parents = [p for p in parent_map.get(node, []) if p in members]
            depths[node] = 1 + max((depth(p) for p in parents), default=-1)
        return depths[node]

    for node in members:
        depth(node)
    return depths


def layer_of(node: dict) -> str:
    if node["resource_type"] in ("source", "exposure"):
        return node["resource_type"]
    parts = Path(node.get("original_file_path", "")).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else node["resource_type"]


def split_embedded_docs(
    description: str, manifest: dict
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A description without the docs blocks it embeds, and where the page shows those."""
    explained: list[tuple[str, str]] = []
    prefix = f"doc.{project_name(manifest)}."
    blocks = sorted(
        (b for key, b in manifest["docs"].items() if key.startswith(prefix)),
        key=lambda b: -len(b["block_contents"]),
    )
    for block in blocks:
        text = block["block_contents"].strip()
        if len(text) >= _MINIMUM_EMBEDDED_DOC and text in description:
            description = description.replace(text, "")
            label, anchor = SECTION_DOCS.get(block["name"], (block["name"], ""))
            explained.append((label, f"#{anchor}" if anchor else ""))
    return description.strip(), tuple(explained)


def relative_href(target: Path, out_dir: Path) -> str | None:
    """A link from the page to a file, relative to the output folder; None if no such file."""
    if not target.is_file():
        return None
    return quote(Path(os.path.relpath(target, out_dir)).as_posix())


def artifact_href(url: str, out_dir: Path) -> str | None:
    """Where an exposure's artifact is, seen from the page: a file next to it, or a section."""
    parts = urlsplit(url or "")
    name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if name == PAGE_NAME:
        return f"#{parts.fragment}" if parts.fragment else "#top"
    return quote(name) if name and (out_dir / name).is_file() else None


def lineage_entry(manifest: dict, unique_id: str, project_dir: Path, out_dir: Path) -> LineageEntry:
    node = resource(manifest, unique_id)
    description, explained = split_embedded_docs(node.get("description", ""), manifest)
    reads = tuple(
        f"{resource(manifest, p).get('resource_type', '')} {display_name(manifest, p)}"
        for p in manifest["parent_map"].get(unique_id, [])
    )
    path = node.get("original_file_path", "")
    return LineageEntry(
        name=display_name(manifest, unique_id),
        kind=node.get("resource_type", ""),
        layer=layer_of(node),
        description=description,
        explained_in=explained,
        reads=reads,
        path=path,
        href=relative_href(project_dir / path, out_dir) if path else None,
        artifact_href=artifact_href(node.get("url", ""), out_dir)
        if node.get("resource_type") == "exposure"
        else None,
    )


def display_name(manifest: dict, unique_id: str) -> str:
    node = resource(manifest, unique_id)
    if node.get("resource_type") == "source":
        return f"{node['source_name']}.{node['name']}"
    if node.get("resource_type") == "exposure":
        return node.get("label") or node["name"]
    return node.get("name", unique_id.rsplit(".", 1)[-1])


def is_topological(order: list[str], parent_map: Mapping[str, list[str]]) -> bool:
    position = {node: index for index, node in enumerate(order)}
    return all(
        position[parent] < position[node]
        for node in order
        for parent in parent_map.get(node, [])
        if parent in position
    )


def lineage_order(nodes: list[str], manifest: dict, depths: Mapping[str, int]) -> list[str]:
    """Layer by layer (source, staging, intermediate, marts, exports, exposures), each in
    lineage order; plain lineage order if some model reads from a later layer."""

    def layer_rank(node: str) -> int:
        layer = layer_of(resource(manifest, node))
        return LAYERS.index(layer) if layer in LAYERS else LAYERS.index("marts")

    def by_layer(node: str) -> tuple[int, int, str]:
        return (layer_rank(node), depths[node], display_name(manifest, node))

    ordered = sorted(nodes, key=by_layer)
    if is_topological(ordered, manifest["parent_map"]):
        return ordered
    return sorted(nodes, key=lambda node: (depths[node], display_name(manifest, node)))


def read_lineage(
    manifest: dict, project_dir: Path, out_dir: Path
) -> tuple[tuple[LineageEntry, ...], tuple[str, ...]]:
    """Sources and models on a path to an exposure, in lineage order, then the exposures;
    and the project's other models (not read by any output)."""
    project = project_name(manifest)
    exposures = sorted(k for k, e in manifest["exposures"].items() if e["package_name"] == project)
    upstream = {
        k
        for k in ancestors(manifest["parent_map"], exposures)
        if resource(manifest, k).get("resource_type") in ("source", "model")
    }
    depths = lineage_depths(manifest["parent_map"], upstream | set(exposures))
    ordered = lineage_order([*upstream, *exposures], manifest, depths)
    entries = tuple(lineage_entry(manifest, k, project_dir, out_dir) for k in ordered)
    others = sorted(
        node["name"]
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == project
        if key not in upstream
    )
    return entries, tuple(others)


def build_facts(manifest: dict) -> tuple[tuple[str, str], ...]:
    metadata = manifest["metadata"]
    return tuple(
        (label, str(metadata[key]))
        for label, key in (
            ("dbt", "dbt_version"),
            ("adapter", "adapter_type"),
            ("dbt invocation", "invocation_id"),
            ("manifest written", "generated_at"),
        )
        if metadata.get(key)
    )


# ---------------------------------------------------------------- output files


def described_outputs(manifest: dict) -> list[tuple[str, str]]:
    """(file, description) pairs of the docs block atlas_output_files, in its order."""
    pairs = []
    for block in atlas_markdown.split_blocks(doc_text(manifest, "atlas_output_files")):
        if block.kind != "ul":
            continue
        for item in atlas_markdown.list_items(block.lines):
            match = _OUTPUT_ITEM.match(item)
            if match:
                pairs.append((match.group(1), match.group(2)))
    return pairs


def read_outputs(out_dir: Path, manifest: dict) -> tuple[OutputFile, ...]:
    """Every described output (present or not), then any other file of the folder."""
    described = described_outputs(manifest)
    names = {name for name, _ in described}
    extra = sorted(
        p.name
        for p in out_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in names
    )
    files = []
    for name, description in [*described, *((name, "") for name in extra)]:
        path = out_dir / name
        present = name == PAGE_NAME or path.is_file()
        size = path.stat().st_size if present and name != PAGE_NAME else None
        files.append(OutputFile(name, description, size, present))
    return tuple(files)


# ---------------------------------------------------------------- the loader


def load_page_data(out_dir: Path, manifest_path: Path, project_dir: Path = PROJECT_DIR) -> PageData:
    """Read everything the page shows: this function and the readers it calls are the only
    code that touches files; the template gets the returned PageData and nothing else."""
    out_dir, project_dir = out_dir.resolve(), project_dir.resolve()
    if not out_dir.is_dir():
        raise PageError(f"output folder {out_dir} not found: run the pipeline first (make run).")
    if not (out_dir / CSV_TABLES[0][1]).is_file():
        raise PageError(
            f"{out_dir} holds no {CSV_TABLES[0][1]}: not an output folder of a finished run "
            "(make run writes one)."
        )
    manifest = read_dbt_manifest(manifest_path)
    tables = {
        key: read_csv_table(
            out_dir / name, key_columns, REJECTED_SHOWN if key == "rejected" else None
        )
        for key, name, key_columns in CSV_TABLES
    }
    lineage, side_models = read_lineage(manifest, project_dir, out_dir)
    return PageData(
        docs=project_docs(manifest),
        build=build_facts(manifest),
        figures=tuple(
            read_figure(out_dir, number, spec, manifest)
            for number, spec in enumerate(FIGURES, start=1)
        ),
        paper_table=read_markdown_table(out_dir / PAPER_TABLE),
        tables=tables,
        populations=population_facts(tables),
        rejected_shown=REJECTED_SHOWN,
        provenance=read_run_manifest(out_dir / RUN_MANIFEST),
        lineage=lineage,
        side_models=side_models,
        outputs=read_outputs(out_dir, manifest),
    )


# ---------------------------------------------------------------- rendering


def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["markdown"] = atlas_markdown.to_html
    environment.filters["inline_markdown"] = atlas_markdown.to_inline_html
    environment.filters["thousands"] = lambda number: f"{number:,}"
    return environment


def render_html(data: PageData) -> str:
    return template_environment().get_template(TEMPLATE_NAME).render(page=data)


def write_atomically(path: Path, text: str) -> Path:
    """Write text to a temporary file beside path, then rename it over path."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def render(out_dir: Path, manifest_path: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """Write out_dir/index.html from out_dir's files and dbt's manifest; return its path."""
    data = load_page_data(Path(out_dir), Path(manifest_path), Path(project_dir))
    return write_atomically(Path(out_dir).resolve() / PAGE_NAME, render_html(data))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="page.py",
        description=(
            "Write the experiment's web page, index.html, into an output folder: the tables, "
            "figures and run_manifest.json of that folder, with the words, lineage and "
            "exposures of dbt's manifest. Nothing is rebuilt; the page needs no network."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("output/cache_hit_ratio"),
        metavar="OUT_DIR",
        help="the output folder of a finished run (default: output/cache_hit_ratio)",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=Path("target/manifest.json"),
        help="dbt's manifest of the same build (default: target/manifest.json)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        metavar="DIR",
        help="the dbt project, for the links to each model's SQL (default: the folder above "
        "scripts/)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        path = render(args.out, args.manifest, args.project_dir)
    except PageError as error:
        print(f"page.py: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
