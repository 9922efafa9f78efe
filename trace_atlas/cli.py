"""The trace-atlas command. Every option can also come from the environment variable named in its
help (so make's variables arrive); relative paths are taken from the current folder."""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path

import click

from trace_atlas import UserError, spark_cluster
from trace_atlas import run as runner

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100, "show_default": True}
TARGET_PATH = ["TRACE_ATLAS_TARGET_PATH", "DBT_TARGET_PATH"]


def absolute(text: str) -> str:
    """A path (or several separated by commas) made absolute from the current folder."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return ",".join(str(Path(os.path.expanduser(part)).absolute()) for part in parts)


def option(name: str, help: str | None = None, **settings):
    """An option also read from the environment variable of its name (--no-plots: NO_PLOTS)."""
    envvar = name.split("/")[0].lstrip("-").replace("-", "_").upper()
    return click.option(name, envvar=envvar, help=help and f"{help} [{envvar}]", **settings)


def options(*decorators):
    """Several option decorators as one."""
    return lambda function: functools.reduce(lambda f, d: d(f), reversed(decorators), function)


INPUT_OPTIONS = options(
    option("--trace", "A normalized trace (.jsonl[.gz]): a path, a glob or a,b,c; else the demo."),
    option("--db", "A prebuilt trace database, read-only (DuckDB only)."),
    option("--claude-logs", "Raw Claude Code logs: projects folder(s), comma-separated."),
    option("--codex-logs", "Raw Codex logs: sessions folder(s), comma-separated."),
)
TARGET_OPTION = click.option("--target-path", envvar=TARGET_PATH, default="target", hidden=True)


def build_options(default_out: str):
    return options(
        option("--out", "The output folder, replaced as a whole.", default=default_out),
        option(
            "--on-bad-lines",
            "strict: stop at the first bad line; quarantine: set bad lines aside.",
            default="strict",
            type=click.Choice(["strict", "quarantine"]),
        ),
        option(
            "--engine",
            "duckdb (embedded), spark (local) or spark-cluster.",
            default="duckdb",
            type=click.Choice(list(runner.ENGINES)),
        ),
        option("--no-plots", "Tables only, no figures.", is_flag=True),
        option("--full-refresh", "Read every input file again.", is_flag=True),
        option(
            "--keep-history/--no-keep-history",
            "Keep the steps of input files deleted since they were read (default: on for mine).",
            default=None,
        ),
        option("--prices", "Your prices: a CSV like seeds/model_prices.csv (default: that seed)."),
        TARGET_OPTION,
    )


def options_of(values: dict, **extra) -> runner.Options:
    values = values | extra
    names = ("trace", "db", "claude_logs", "codex_logs", "out", "target_path", "normalized")
    for name in (*names, "prices"):
        if values.get(name):
            values[name] = absolute(values[name])
    return runner.Options(**{key: value for key, value in values.items() if value is not None})


class Group(click.Group):
    """A UserError ends a command with one line and its exit code, without a traceback."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except UserError as error:
            click.echo(f"error: {error}", err=True)
            context.exit(error.code)


@click.group(cls=Group, context_settings=CONTEXT)
def main() -> None:
    """Trace Atlas: how coding agents use the provider's prompt cache, exactly, with dbt."""


main.add_command(spark_cluster.main)


@main.command()
@INPUT_OPTIONS
@build_options(runner.DEFAULT_OUT)
def run(**values) -> None:
    """Build the experiments on one input and write their outputs (tables, figures, page)."""
    sys.exit(runner.main(options_of(values)))


@main.command()
@build_options("output/mine")
def mine(**values) -> None:
    """The experiments on your own Claude Code / Codex logs, where the agents keep them."""
    sys.exit(runner.main(options_of(values, mine=True)))


@main.command()
@click.option("--claude-logs", envvar="CLAUDE_LOGS", help="Claude Code projects folder(s).")
@click.option("--codex-logs", envvar="CODEX_LOGS", help="Codex sessions folder(s).")
@option("--normalized", "The JSONL file to write (.jsonl or .jsonl.gz).", required=True)
@option("--include-content", "Also write each tool call's raw input.", is_flag=True)
@option("--engine", default="duckdb", type=click.Choice(["duckdb", "spark"]))
@TARGET_OPTION
def normalize(**values) -> None:
    """Raw agent logs -> a normalized trace (JSONL), which `run --trace` reads back."""
    sys.exit(runner.main(options_of(values)))


@main.command()
@option("--out", default=runner.DEFAULT_OUT)
@option("--no-plots", is_flag=True)
@TARGET_OPTION
def write(out: str, no_plots: bool, target_path: str) -> None:
    """Write the outputs of the last dbt build again (e.g. after a plain `dbt build`)."""
    options = options_of({"out": out, "no_plots": no_plots, "target_path": target_path})
    os.chdir(runner.PROJECT_DIR)
    folder, names = runner.write(options, quiet=False)
    click.echo(f"wrote {len(names)} files into {folder}")


@main.command()
@option("--out", default=runner.DEFAULT_OUT)
def page(out: str) -> None:
    """Render OUT's atlas page (index.html) again from OUT's own files, without a build."""
    from trace_atlas import page as atlas_page

    path = atlas_page.render(Path(absolute(out)))
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


@main.command()
@option("--out", default=runner.DEFAULT_OUT)
@option("--port", default=8765, type=int)
@TARGET_OPTION
def serve(out: str, port: int, target_path: str) -> None:
    """Serve OUT's page and the dbt docs on http://127.0.0.1:PORT/ until Ctrl-C."""
    from trace_atlas import serve as server

    server.main(Path(absolute(out)), Path(absolute(target_path)), port)


@main.group()
def sidecar() -> None:
    """What a figure carries: the README, docs, tables, run_manifest.json and SQL."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `list ... | head` ends quietly


@sidecar.command("list")
@click.argument("figure", type=click.Path(path_type=Path))
def sidecar_list(figure: Path) -> None:
    """Every embedded file: name, kind and size in bytes (tab-separated); then the output files
    too large to embed, with the kind 'not-embedded' and their sha256."""
    from trace_atlas.sidecar import read_sidecar

    manifest = read_sidecar(figure).manifest
    for entry in manifest["files"]:
        click.echo(f"{entry['name']}\t{entry['kind']}\t{entry['bytes']}")
    for entry in manifest.get("not_embedded", []):
        click.echo(f"{entry['name']}\tnot-embedded\t{entry['bytes']}\t{entry['sha256']}")


@sidecar.command("show")
@click.argument("figure", type=click.Path(path_type=Path))
@click.argument("name")
def sidecar_show(figure: Path, name: str) -> None:
    """Print one embedded file byte for byte, after checking its sha256. NAME is a name from
    `list`, or its last part when that is unique (run_manifest.json)."""
    from trace_atlas.sidecar import read_sidecar, verified_file

    click.get_binary_stream("stdout").write(verified_file(read_sidecar(figure), name)[1])


@sidecar.command("provenance")
@click.argument("figure", type=click.Path(path_type=Path))
def sidecar_provenance(figure: Path) -> None:
    """The run that drew the figure: input files (size, sha256), rows, engine, versions, dbt
    invocation, times, git commit (its embedded run_manifest.json, checked)."""
    from trace_atlas.sidecar import provenance

    click.echo(provenance(figure), nl=False)


@sidecar.command("extract")
@click.argument("figure", type=click.Path(path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path), help="The folder.")
def sidecar_extract(figure: Path, out: Path) -> None:
    """Write every embedded file under a folder, keeping their relative paths; names that would
    leave it are refused and every sha256 is checked before anything is written."""
    from trace_atlas.sidecar import extract

    click.echo(f"extracted {len(extract(figure, out))} files into {out}")
