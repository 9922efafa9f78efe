"""Write the output files of the last `dbt build` as the marts' ``meta.outputs`` declare them
(only formatting the typed rows), then the figures, run_manifest.json and the page, into a
sibling folder swapped in whole at the end."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from trace_atlas import UserError, input_files
from trace_atlas.provenance import build_facts, run_manifest
from trace_atlas.sidecar import default_file_mode

# Seconds spent on the tables, the figures and the page by the last write_outputs() call.
TIMINGS: dict[str, float] = {}
MARKER = ".trace_atlas_output"
RUN_MANIFEST = "run_manifest.json"
ENGINES = ("duckdb", "spark")
FORMATS = ("text", "integer", "double", "percent", "rate", "general6")
KINDS = ("csv", "markdown_table", "latex_table")


class OutputError(UserError):
    code = 1


@dataclass(frozen=True)
class OutputColumn:
    """One column of an output file: its header, the mart column and the text format."""

    name: str
    source: str
    format: str = "text"


@dataclass(frozen=True)
class OutputSpec:
    """One output file as a mart's meta.outputs declares it."""

    file: str
    model: str
    schema: str
    table: str
    kind: str
    order_by: tuple[str, ...]
    columns: tuple[OutputColumn, ...]
    options: dict = field(default_factory=dict)  # caption, label, caption_doc, alignment


@dataclass(frozen=True)
class Table:
    """An output's rows: typed values as the mart holds them, and the text of each cell."""

    spec: OutputSpec
    values: list[tuple[Any, ...]]
    cells: list[list[str]]


def read_manifest(manifest_path: Path) -> dict:
    if not manifest_path.is_file():
        raise OutputError(f"{manifest_path} not found: run `dbt build` first.")
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def output_specs(manifest: dict) -> list[OutputSpec]:
    """Every output file declared by an enabled model's meta.outputs, in file-name order."""
    specs = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        for declared in node.get("config", {}).get("meta", {}).get("outputs", []):
            specs.append(parse_spec(node, declared))
    if not specs:
        raise OutputError("no model of the dbt manifest declares meta.outputs.")
    return sorted(specs, key=lambda spec: spec.file)


def parse_spec(node: dict, declared: dict) -> OutputSpec:
    columns = tuple(
        OutputColumn(col["name"], col.get("from", col["name"]), col.get("format", "text"))
        for col in declared["columns"]
    )
    kind = declared.get("kind", "csv")
    unknown = [column.format for column in columns if column.format not in FORMATS]
    if unknown or kind not in KINDS:
        what = f"format {unknown[0]!r}" if unknown else f"kind {kind!r}"
        raise OutputError(f"{node['name']}: output {declared['file']} has {what}")
    return OutputSpec(
        file=declared["file"],
        schema=node["schema"],
        table=node.get("alias") or node["name"],
        kind=kind,
        order_by=tuple(declared.get("order_by", ())),
        columns=columns,
        model=node["name"],
        options=declared,
    )


class MartReader:
    """Reads built models: from the DuckDB file, or from a Spark warehouse's parquet folders."""

    def __init__(self, engine: str, database: Path, spark_dir: Path) -> None:
        self.engine = engine
        if engine == "spark":
            self.warehouse = spark_dir / "warehouse"
            if not self.warehouse.is_dir():
                raise OutputError(f"Spark warehouse {self.warehouse} not found: run dbt first.")
            self.connection = duckdb.connect()
        else:
            if not database.is_file():
                raise OutputError(f"database {database} not found: run `dbt build` first.")
            self.connection = duckdb.connect(str(database), read_only=True)

    def relation(self, schema: str, table: str) -> str:
        if self.engine == "spark":
            location = self.warehouse / f"{schema.lower()}.db" / table.lower()
            parts = sorted(str(path) for path in location.glob("*.parquet"))
            if not parts:
                raise OutputError(f"{schema}.{table} is missing from {self.warehouse}")
            quoted = ("'" + part.replace("'", "''") + "'" for part in parts)
            return f"read_parquet([{', '.join(quoted)}])"
        return f'"{schema}"."{table}"'

    def rows(self, schema: str, table: str, columns: Iterable[str], order_by: Iterable[str]):
        select = ", ".join(f'"{column}"' for column in columns)
        order = ", ".join(f'"{column}"' for column in order_by) or "1"
        query = f"select {select} from {self.relation(schema, table)} order by {order}"
        try:
            return self.connection.execute(query).fetchall()
        except duckdb.CatalogException as error:
            raise OutputError(
                f"{schema}.{table} is missing from the database: did the last dbt build fail?"
            ) from error

    def close(self) -> None:
        self.connection.close()


def format_cell(value: Any, fmt: str) -> str:
    """The text of one cell: ``double`` the shortest that reads back the same, ``percent`` a
    share already x 100, ``rate`` a fraction in percent (undefined: ``--``); None is empty."""
    if value is None:
        return "--" if fmt == "rate" else ""
    if fmt == "integer":
        return str(int(value))
    if fmt == "double":
        return repr(float(value))
    if fmt == "percent":
        return f"{float(value):.2f}%"
    if fmt == "rate":
        return f"{float(value) * 100:.1f}%"
    if fmt == "general6":
        return f"{float(value):.6g}"
    return str(value)


def load_table(reader: MartReader, spec: OutputSpec) -> Table:
    sources = [column.source for column in spec.columns]
    values = reader.rows(spec.schema, spec.table, sources, spec.order_by)
    formats = [column.format for column in spec.columns]
    cells = [[format_cell(v, fmt) for v, fmt in zip(row, formats, strict=True)] for row in values]
    return Table(spec, values, cells)


def render(table: Table, docs: dict[str, str] | None = None) -> str:
    """The text of one output file (docs: docs blocks by name, for a caption)."""
    header = [column.name for column in table.spec.columns]
    caption = (docs or {}).get(table.spec.options.get("caption_doc", ""), "")
    if table.spec.kind == "markdown_table":
        alignment = table.spec.options.get("alignment")
        return render_markdown(header, table.cells, caption, alignment)
    if table.spec.kind == "latex_table":
        options = table.spec.options | ({"caption": " ".join(caption.split())} if caption else {})
        return render_latex(header, table.cells, options)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *table.cells])
    return buffer.getvalue()


def render_markdown(
    header: list[str], cells: list[list[str]], caption: str = "", alignment: str | None = None
) -> str:
    """A GitHub-flavoured table, numbers right-aligned (or as declared); the caption below it."""
    rule = f"| {alignment} |" if alignment else "|---|" + "---:|" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    if caption:
        lines += ["", " ".join(caption.split())]
    return "\n".join(lines) + "\n"


def docs_blocks(manifest: dict) -> dict[str, str]:
    """The project's docs blocks by name, as dbt's manifest holds them."""
    project = manifest.get("metadata", {}).get("project_name", "trace_atlas")
    blocks = manifest.get("docs", {}).values()
    return {
        block["name"]: block.get("block_contents", "")
        for block in blocks
        if block.get("package_name") == project
    }


def render_latex(header: list[str], cells: list[list[str]], options: dict[str, str]) -> str:
    """A LaTeX table with booktabs rules (percent signs escaped unless they already are)."""
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{" + options.get("caption", "") + "}",
        r"\label{" + options.get("label", "") + "}",
        r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        r"\toprule",
        " & ".join(header) + r" \\",
        r"\midrule",
    ]
    lines += [
        " & ".join(re.sub(r"(?<!\\)%", r"\\%", cell) for cell in row) + r" \\" for row in cells
    ]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


def swap_in(staged: Path, target: Path) -> None:
    """Replace target by staged, keeping target intact until staged is complete."""
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    staged.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def check_target_folder(target: Path) -> None:
    """Refuse, before any work, a file or a folder the project did not write (a bad option)."""
    if target.exists() and not target.is_dir():
        raise OutputError(f"OUT={target} is a file; give a folder for the outputs.", code=2)
    if target.is_dir() and not (target / MARKER).exists() and any(target.iterdir()):
        message = f"OUT={target} holds files Trace Atlas did not write; give a new or empty folder."
        raise OutputError(message, code=2)


def write_outputs(
    out: Path,
    database: Path,
    manifest_path: Path,
    engine: str | None = None,
    spark_dir: Path = Path("target/spark"),
    hashes: Path | None = None,
    run_options: dict | None = None,
    no_plots: bool = False,
    quiet: bool = True,
) -> tuple[Path, list[str]]:
    """Write everything into a staged folder, swap it in; return the folder and file names."""
    from trace_atlas import page

    started = time.perf_counter()
    TIMINGS.clear()
    target = out.resolve()
    check_target_folder(target)
    manifest = read_manifest(manifest_path)
    engine = engine or manifest.get("metadata", {}).get("adapter_type") or "duckdb"
    if engine not in ENGINES:
        raise OutputError(f"{manifest_path} is from a {engine} build; expected duckdb or spark.")
    specs = output_specs(manifest)
    reader = MartReader(engine, database, spark_dir)
    try:
        tables = {spec.file: load_table(reader, spec) for spec in specs}
        inputs = input_files.describe(input_files.from_database(reader, manifest), hashes)
    finally:
        reader.close()
    facts = build_facts(manifest, manifest_path.parent)
    options = run_options or {}
    if not quiet:
        print(describe_build(facts, inputs), file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    staged.chmod(default_file_mode(0o777))  # mkdtemp makes it private; the outputs are shared
    try:
        write_text(staged / MARKER, "written by Trace Atlas\n")
        docs = docs_blocks(manifest)
        for name, table in tables.items():
            write_text(staged / name, render(table, docs))
        manifest_data = run_manifest(facts, inputs, tables, engine, options)
        write_text(staged / RUN_MANIFEST, json.dumps(manifest_data, indent=2) + "\n")
        context = json.dumps(page.context_of(manifest), indent=1, sort_keys=True)
        write_text(staged / page.CONTEXT, context + "\n")  # the page reads its folder only
        TIMINGS["tables"] = time.perf_counter() - started
        if not no_plots:
            started = time.perf_counter()
            from trace_atlas import figures

            figures.draw(staged)
            TIMINGS["figures"] = time.perf_counter() - started
        started = time.perf_counter()
        try:
            page.render(staged)
        except page.PageError as error:
            raise OutputError(f"the atlas page: {error}") from error
        TIMINGS["page"] = time.perf_counter() - started
        names = sorted(path.name for path in staged.iterdir() if path.name != MARKER)
        swap_in(staged, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return target, names


def describe_build(facts: dict, inputs: list[dict]) -> str:
    """One line saying which build is being written."""
    more = f" and {len(inputs) - 3} more" if len(inputs) > 3 else ""
    files = ", ".join(item["path"] for item in inputs[:3]) + more
    return (
        f"writing the dbt build of {facts['build_finished_at'] or 'an unknown time'} "
        f"(invocation {facts['invocation_id']}) on {files or 'no input file'}"
    )
