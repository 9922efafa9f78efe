"""Docs that cannot rot: every model, macro, seed, source, docs block, file, make target,
trace-atlas command and local address that README.md, docs/*.md and the dbt docs front page (the
docs blocks of models/**/*.md, models/overview.md among them) name exists.

What counts as naming a thing:
* a model: any word `base_…`, `stg_…`, `int_…` or `export_…`, or a code span after "model(s)" or
  "mart(s)" or before " model(s)"/" mart(s)"; a `*` in the name matches any model name part;
* a macro, seed, source or docs block: a code span after that word (docs block: "docs block");
* a file: a code span or link target that is a relative path with a folder, or a bare name
  ending in a source extension (.py .sql .yml .yaml .toml .txt .mk .j2 .sh): it must be in the
  repository; a bare .csv .json .md .png .html .tex name may also be an output the run writes;
* a make target: `make X` (and `make X-a / -b` as X-a and X-b);
* a command: `trace-atlas X [Y]` or `python -m trace_atlas X [Y]`;
* a local address: http(s)://127.0.0.1 or localhost on the page server's port: one of the
  addresses `make serve` prints for the default folders, or its root.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import subprocess

import click
import yaml
from trace_atlas import cli, figures, outputs, page, run, serve

from atlas_testkit import PROJECT_DIR

DOCUMENTS = sorted(
    [
        PROJECT_DIR / "README.md",
        *(PROJECT_DIR / "docs").glob("*.md"),
        *(PROJECT_DIR / "models").rglob("*.md"),
    ]
)
# Files of other projects that the docs name as such: TraceLab's extractors, pyspark's scripts.
ELSEWHERE = {"scripts/extract_claude_rounds.py", "scripts/extract_codex_rounds.py"}
ELSEWHERE |= {"sbin/start-thriftserver.sh", "sbin/spark-daemon.sh"}
# Folders a path may start with that hold what a run or a user makes, not the repository's files.
MADE = ("output", "target", "data", "bench", "logs", "traces", "~", "…", "sessions", "proj")
SOURCE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".toml", ".txt", ".mk", ".j2", ".sh")
OUTPUT_SUFFIXES = (".csv", ".json", ".md", ".png", ".html", ".tex")
FILE_SUFFIXES = (*SOURCE_SUFFIXES, *OUTPUT_SUFFIXES, ".jsonl", ".gz", ".duckdb")
MODEL_WORD = re.compile(r"(?<![\w/.])((?:base|stg|int|export)_[\w*]*[\w*])")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\]\(([^)\s#]+)")
PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*")
KIND_BEFORE = re.compile(
    r"\b(models?|marts?|macros?|seeds?|sources?|docs blocks?)\s+`([\w.*]+)`", re.IGNORECASE
)
KIND_AFTER = re.compile(r"`([\w.*]+)`\s+(models?|marts?)\b")
MAKE = re.compile(r"\bmake ([a-z][\w-]*)((?:\s*/\s*-[\w-]+)*)")
COMMAND = re.compile(r"(?:\btrace-atlas|python -m trace_atlas) ([a-z][\w-]*)(?: ([a-z][\w-]*))?")
ADDRESS = re.compile(r"https?://(?:127\.0\.0\.1|localhost):(\d+)(/[^\s)`'\"<>]*)?")


@functools.cache
def project_things() -> dict[str, set[str]]:
    """The names that exist, by kind."""
    macro_text = "\n".join(p.read_text() for p in (PROJECT_DIR / "macros").rglob("*.sql"))
    model_docs = "\n".join(p.read_text() for p in (PROJECT_DIR / "models").rglob("*.md"))
    sources = set()
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", []):
            sources |= {f"{source['name']}.{table['name']}" for table in source["tables"]}
    return {
        "model": {p.stem for p in (PROJECT_DIR / "models").rglob("*.sql")},
        "macro": set(re.findall(r"{%-?\s*(?:macro|test)\s+(\w+)", macro_text)),
        "seed": {p.stem for p in (PROJECT_DIR / "seeds").glob("*.csv")},
        "source": sources,
        "docs block": set(re.findall(r"{%\s*docs\s+(\w+)", model_docs)),
    }


@functools.cache
def repository_files() -> frozenset[str]:
    """The files of the repository (committed or not yet, never ignored) and their folders."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    files = {name for name in listed if name and (PROJECT_DIR / name).exists()}
    return frozenset(files | {name.rsplit("/", 1)[0] for name in files if "/" in name})


@functools.cache
def output_names() -> set[str]:
    """Every file a run writes into its output folder."""
    names = {page.PAGE_NAME, page.CONTEXT, outputs.RUN_MANIFEST}
    names |= {spec.filename for spec in figures.FIGURES} | {figures.IDLE_FIGURE, figures.DAY_FIGURE}
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            meta = (model.get("config") or {}).get("meta") or {}
            names |= {declared["file"] for declared in meta.get("outputs", [])}
    return names


def make_targets() -> set[str]:
    text = "\n".join(p.read_text() for p in [PROJECT_DIR / "Makefile", *PROJECT_DIR.glob("mk/*")])
    return set(re.findall(r"^([a-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE))


def commands() -> dict[str, set[str] | None]:
    """trace-atlas's commands, with the subcommands of a group (None: any argument)."""
    return {
        name: set(command.commands) if isinstance(command, click.Group) else None
        for name, command in cli.main.commands.items()
    }


def served_paths(port: str) -> set[str] | None:
    """The paths `make serve` answers on the default folders (None: not the server's port)."""
    if int(port) != serve.DEFAULT_PORT:
        return None
    site = serve.Site(PROJECT_DIR / run.DEFAULT_OUT, PROJECT_DIR / "target", PROJECT_DIR)
    return {"/", site.url_path(site.out / "index.html"), site.url_path(site.target / "index.html")}


def problems_of(text: str, where: str) -> list[str]:
    things, files, made = project_things(), repository_files(), output_names()
    found: list[str] = []

    def missing(kind: str, name: str) -> None:
        known = things[kind]
        if not (fnmatch.filter(known, name) if "*" in name else name in known):
            found.append(f"{where}: {kind} {name} does not exist")

    for name in MODEL_WORD.findall(text):
        if not name.endswith("_"):
            missing("model", name)
    for kind, name in KIND_BEFORE.findall(text):
        kind = kind.lower().rstrip("s").replace("mart", "model")
        missing(kind, name)
    for name, _ in KIND_AFTER.findall(text):
        missing("model", name)
    prose = FENCE.sub("", text)
    code = [*CODE_SPAN.findall(prose), *FENCE.findall(text)]
    top = {name.split("/", 1)[0] for name in files}
    basenames = {name.rsplit("/", 1)[-1] for name in files}
    tokens = [(t, t == span) for span in code for t in span.split()]
    for token, whole_span in [*tokens, *((link, True) for link in LINK.findall(prose))]:
        path = token.rstrip(",;:.)/") if token.endswith((",", ";", ":", ")", "/")) else token
        if not PATH.fullmatch(path) or path.split("/")[0] in MADE or path in ELSEWHERE:
            continue
        last = path.rsplit("/", 1)[-1]
        if "/" in path and (last.endswith(FILE_SUFFIXES) or "." not in last):
            beside = f"{where.rsplit('/', 1)[0]}/{path}"  # a link from a document in a folder
            if path.split("/")[0] in top | {"scripts"} and not {path, beside} & files:
                found.append(f"{where}: file {path} does not exist")
        elif "/" not in path and not {path} & (basenames | made):
            named = last.endswith(SOURCE_SUFFIXES) or (
                whole_span and last.endswith(OUTPUT_SUFFIXES)
            )
            found += [f"{where}: file {path} does not exist"] if named else []
    targets = make_targets()
    for base, tails in (match for span in code for match in MAKE.findall(span)):
        stem = base.rsplit("-", 1)[0]
        for target in [base, *(f"{stem}-{tail}" for tail in re.findall(r"-([\w-]+)", tails))]:
            if target not in targets:
                found.append(f"{where}: make target {target} does not exist")
    known_commands = commands()
    for name, argument in (match for span in code for match in COMMAND.findall(span)):
        if name not in known_commands:
            found.append(f"{where}: command trace-atlas {name} does not exist")
        elif argument and known_commands[name] is not None and argument not in known_commands[name]:
            found.append(f"{where}: command trace-atlas {name} {argument} does not exist")
    for port, path in ADDRESS.findall(text):
        paths, path = served_paths(port), path.rstrip(".,;:") or "/"
        if paths is not None and path not in paths:
            found.append(f"{where}: http://127.0.0.1:{port}{path} is not served by make serve")
    return found


def test_every_named_thing_exists() -> None:
    found = []
    for document in DOCUMENTS:
        where = document.relative_to(PROJECT_DIR).as_posix()
        found += problems_of(document.read_text(encoding="utf-8"), where)
    assert not found, "\n".join(found)


def test_the_check_finds_what_does_not_exist() -> None:
    """Each kind of rot, written into a document, is found."""
    rotten = {
        "`int_steps_fanned_to_groups`": "model int_steps_fanned_to_groups",
        "the `export_*` models": "model export_*",
        "the mart `cache_hit_ratio_summaries`": "model cache_hit_ratio_summaries",
        "the macro `percentile_nearest`": "macro percentile_nearest",
        "seed `hit_ratio_binz`": "seed hit_ratio_binz",
        "the docs block `cache_hit_ratio_methods`": "docs block cache_hit_ratio_methods",
        "source `trace.step`": "source trace.step",
        "`scripts/png_sidecar.py`": "file scripts/png_sidecar.py",
        "[method](docs/methods.md)": "file docs/methods.md",
        "`write_outputs.py`": "file write_outputs.py",
        "`cache_hit_ratio_sumary.csv`": "file cache_hit_ratio_sumary.csv",
        "`make pages`": "make target pages",
        "```sh\nmake spark-cluster-up / -stop\n```\n": "make target spark-cluster-stop",
        "`trace-atlas render`": "command trace-atlas render",
        "`python -m trace_atlas sidecar unpack x.png`": "command trace-atlas sidecar unpack",
        "http://127.0.0.1:8765/output/index.html": "is not served by make serve",
    }
    for text, problem in rotten.items():
        assert any(problem in found for found in problems_of(text, "README.md")), text
    sound = (
        "`int_steps_classified`, the `cache_hit_ratio_*` marts, macro `percentile_linear`, "
        "seed `hit_ratio_bins`, docs block `cache_hit_ratio_method`, source `trace.steps`, "
        "`trace_atlas/page.py`, [method](docs/method.md), `run_manifest.json`, `make run`, "
        "`make spark-cluster-up / -status / -down`, `trace-atlas sidecar provenance x.png`, "
        "http://127.0.0.1:8765/ and http://127.0.0.1:8765/target/index.html, `output/x/y.csv`"
    )
    assert problems_of(sound, "README.md") == []
