"""Write the experiment's output files from the export models, then (optionally) the figures.

Every exported file is a dbt model under models/exports/ whose config carries
``meta.output_file``; the model holds the file's lines (``line_number``, ``line``), already
formatted by the SQL. This script only concatenates those lines, so the text of every CSV,
Markdown and LaTeX file is decided in SQL.

The export models are read from the DuckDB file dbt built, or, for a build on the Spark engine
(``--engine spark``, the default when the manifest says so), from the parquet folders of the
Spark warehouse, with DuckDB's parquet reader: no JVM is started here.

The output folder is replaced as a whole: files are written into a fresh sibling folder, the
figures are drawn there, and only then is it swapped in, so a failed run leaves the previous
outputs untouched. A folder that was not written by this script is never replaced.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
MARKER = ".trace_atlas_output"


class OutputError(Exception):
    """A problem the user can fix; printed without a traceback."""


ENGINES = ("duckdb", "spark")


def read_manifest(manifest_path: Path) -> dict:
    if not manifest_path.exists():
        raise OutputError(f"{manifest_path} not found: run `dbt build` first.")
    return json.loads(manifest_path.read_text())


def manifest_engine(manifest_path: Path) -> str:
    """The engine of the build that wrote the manifest (its adapter type)."""
    adapter = read_manifest(manifest_path).get("metadata", {}).get("adapter_type") or "duckdb"
    if adapter not in ENGINES:
        raise OutputError(f"{manifest_path} is from a {adapter} build; expected duckdb or spark.")
    return adapter


def export_relations(manifest_path: Path) -> list[tuple[str, str, str]]:
    """(output file, schema, table) of every export model in the dbt manifest."""
    manifest = read_manifest(manifest_path)
    exports = []
    for node in manifest["nodes"].values():
        output_file = node.get("config", {}).get("meta", {}).get("output_file")
        if node["resource_type"] == "model" and output_file:
            exports.append((output_file, node["schema"], node["alias"] or node["name"]))
    if not exports:
        raise OutputError(f"no export model (meta.output_file) in {manifest_path}.")
    return sorted(exports)


def read_lines(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The lines of one export model in line order."""
    try:
        rows = connection.execute(
            f'select line from "{schema}"."{table}" order by line_number'
        ).fetchall()
    except duckdb.CatalogException as error:
        raise OutputError(
            f"export model {schema}.{table} is missing from the database: "
            "did the last `dbt build` fail? Nothing was written."
        ) from error
    return [row[0] for row in rows]


def read_spark_lines(
    connection: duckdb.DuckDBPyConnection, warehouse: Path, schema: str, table: str
) -> list[str]:
    """The lines of one export model built by Spark: a managed parquet table, the folder
    <warehouse>/<schema>.db/<table> (Spark lower-cases both names)."""
    location = warehouse / f"{schema.lower()}.db" / table.lower()
    parts = sorted(location.glob("*.parquet"))
    if not parts:
        raise OutputError(
            f"export model {schema}.{table} is missing from the Spark warehouse ({location}): "
            "did the last `dbt build --target spark` fail? Nothing was written."
        )
    rows = connection.execute(
        "select line from read_parquet(?) order by line_number", [[str(p) for p in parts]]
    ).fetchall()
    return [row[0] for row in rows]


def write_lines(folder: Path, output_file: str, relation: str, lines: list[str]) -> Path:
    if any(line is None for line in lines):
        raise OutputError(f"{relation} has a NULL line: the export model is wrong.")
    path = folder / output_file
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_exports(
    database: Path,
    manifest_path: Path,
    folder: Path,
    engine: str = "duckdb",
    spark_dir: Path | None = None,
) -> list[Path]:
    """Write every export model's lines as one file in folder; return the paths."""
    exports = export_relations(manifest_path)
    written = []
    if engine == "spark":
        warehouse = (spark_dir or Path("target/spark")) / "warehouse"
        if not warehouse.is_dir():
            raise OutputError(f"Spark warehouse {warehouse} not found: run `dbt build` first.")
        with duckdb.connect() as connection:
            for output_file, schema, table in exports:
                lines = read_spark_lines(connection, warehouse, schema, table)
                written.append(write_lines(folder, output_file, f"{schema}.{table}", lines))
        return written
    if not database.exists():
        raise OutputError(f"database {database} not found: run `dbt build` first.")
    with duckdb.connect(str(database), read_only=True) as connection:
        for output_file, schema, table in exports:
            lines = read_lines(connection, schema, table)
            written.append(write_lines(folder, output_file, f"{schema}.{table}", lines))
    return written


def draw_figures(folder: Path) -> None:
    """Run the plotting step on the freshly written folder."""
    script = PROJECT_DIR / "scripts" / "plot_figures.py"
    command = [sys.executable, str(script), "--out", str(folder), "--project-dir", str(PROJECT_DIR)]
    if subprocess.run(command, check=False).returncode != 0:
        raise OutputError("the plotting step failed (see above); previous outputs kept.")


# --- issue 14: the atlas page ---
def write_page(folder: Path, manifest_path: Path) -> None:
    """Render index.html into folder (scripts/render_page.py), last, from its files."""
    import render_page

    try:
        render_page.render(folder, manifest_path)
    except render_page.PageError as error:
        raise OutputError(f"the atlas page: {error}") from error


# --- end issue 14 ---


def swap_in(staged: Path, target: Path) -> None:
    """Replace target by staged, keeping target intact until staged is complete."""
    if target.exists():
        if not (target / MARKER).exists() and any(target.iterdir()):
            raise OutputError(
                f"{target} exists and was not written by Trace Atlas; "
                "choose an empty or new OUT folder."
            )
        retired = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(retired)
        staged.rename(target)
        shutil.rmtree(retired)
    else:
        staged.rename(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Write the CSV / Markdown / LaTeX outputs of the last `dbt build` (and the figures) "
            "into an output folder, replacing it only once everything is written."
        )
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("output/cache_hit_ratio"),
        help="output folder (default: output/cache_hit_ratio)",
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(os.environ.get("TRACE_ATLAS_DB", "target/trace_atlas.duckdb")),
        help="the DuckDB file dbt built (default: $TRACE_ATLAS_DB or target/trace_atlas.duckdb)",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=Path("target/manifest.json"),
        help="dbt's manifest, to find the export models",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="the engine dbt built with (default: the manifest's adapter type)",
    )
    parser.add_argument(
        "--spark-dir",
        type=Path,
        default=Path(os.environ.get("TRACE_ATLAS_SPARK_DIR", "target/spark")),
        help="the Spark engine's folder, holding warehouse/ "
        "(default: $TRACE_ATLAS_SPARK_DIR or target/spark)",
    )
    parser.add_argument("--no-plots", action="store_true", help="write the tables only")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    target = args.out.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staged.chmod(0o777 & ~umask)  # mkdtemp makes it private; the outputs are for sharing
    try:
        (staged / MARKER).write_text("written by scripts/write_outputs.py\n")
        engine = args.engine or manifest_engine(args.manifest)
        written = write_exports(args.database, args.manifest, staged, engine, args.spark_dir)
        if not args.no_plots:
            draw_figures(staged)
        # --- issue 14: the atlas page (index.html) from the files just written ---
        write_page(staged, args.manifest)
        # --- end issue 14 ---
        swap_in(staged, target)
    except OutputError as error:
        shutil.rmtree(staged, ignore_errors=True)
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    for path in written:
        print(f"wrote {target / path.name}")
    print(f"outputs in {target} ({time.perf_counter() - started:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
