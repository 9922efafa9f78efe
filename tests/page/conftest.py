"""Fixtures for the atlas page: one pipeline run on a small generated trace (and one on a
hostile trace), the page rendered from it, a local server, and headless Chromium driven by
Playwright for Python.

Missing Playwright or Chromium makes the browser tests FAIL with the command that installs them
(`make venv-page`, `make browser`), never skip: a page nobody opened in a browser is untested.

Reached from the test modules through fixtures only (no `from conftest import ...`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from trace_atlas import page as render_page
from trace_atlas import serve as serve_page

from atlas_testkit import PROJECT_DIR, generate_trace, run_dbt, run_pipeline

CHROMIUM = Path(os.environ.get("TRACE_ATLAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_DIR / "target" / "page-screenshots"
PAGE_STEPS = 3000
# Payloads: each would set window.__atlasInjected or open a dialog if it ever ran.
SCRIPT_PAYLOAD = "<script>window.__atlasInjected=1;alert(1)</script>"
IMG_PAYLOAD = '"><img src=x onerror="window.__atlasInjected=2;alert(2)">'
# A file name cannot hold "/", so the file-name payload is the img one with a <script> opener.
FILE_PAYLOAD = '"><img src=x onerror=window.__atlasInjected=3><script>window.__atlasInjected=4'


@dataclass(frozen=True)
class AtlasRun:
    """A finished run with its page: outputs, dbt target, trace files."""

    out: Path
    target: Path
    trace_files: tuple[Path, ...]
    wrote_sample_run_manifest: bool
    writer_wrote_page: bool

    @property
    def manifest(self) -> Path:
        return self.target / "manifest.json"

    @property
    def page(self) -> Path:
        return self.out / render_page.PAGE_NAME


@pytest.fixture(autouse=True)
def python_sigpipe() -> Iterator[None]:
    """Python's own SIGPIPE setting (ignored: a closed socket raises an error) for every page
    test. Calling png_sidecar.main() in-process, as tests/figures does, resets it to the default
    (terminate), which would let a browser closing a connection kill the whole pytest run."""
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGPIPE, previous)


# ---------------------------------------------------------------- run_manifest.json sample


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def audit_counts(out: Path) -> dict[str, str]:
    lines = (out / "cache_hit_ratio_step_audit.csv").read_text(encoding="utf-8").splitlines()
    return {line.split(",")[1]: line.split(",")[2] for line in lines[1:]}


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def sample_run_manifest(run: AtlasRun, on_bad_lines: str) -> dict[str, Any]:
    """What the writer's run_manifest.json is to record (issue 14 renders it; until the writer
    writes one, the tests write this sample in the agreed shape)."""
    from importlib.metadata import version

    metadata = json.loads(run.manifest.read_text())["metadata"]
    counts = audit_counts(run.out)
    return {
        "inputs": [
            {"path": str(p), "size_bytes": p.stat().st_size, "sha256": sha256(p)}
            for p in run.trace_files
        ],
        "rows": {
            "read": int(counts["lines_read"]),
            "ingested": int(counts["steps_ingested"]),
            "eligible": int(counts["eligible_steps"]),
        },
        "on_bad_lines": on_bad_lines,
        "engine": "duckdb",
        "target": "duckdb",
        "dbt_version": metadata["dbt_version"],
        "adapter": {"type": metadata["adapter_type"], "version": version("dbt-duckdb")},
        "dbt_invocation_id": metadata["invocation_id"],
        "started_at": "2026-06-01T05:41:12.031Z",
        "finished_at": "2026-06-01T05:41:27.500Z",
        "git_commit": git_commit(),
    }


def finish_run(
    out: Path, target: Path, trace_files: list[Path], on_bad_lines: str = "strict"
) -> AtlasRun:
    """Write the sample run_manifest.json when the writer did not, then render the page (again:
    the writer rendered it already, before the sample existed)."""
    has_manifest = (out / render_page.RUN_MANIFEST).is_file()
    wrote_page = (out / render_page.PAGE_NAME).is_file()
    run = AtlasRun(out, target, tuple(trace_files), not has_manifest, wrote_page)
    if not has_manifest:
        document = sample_run_manifest(run, on_bad_lines)
        (out / render_page.RUN_MANIFEST).write_text(json.dumps(document, indent=2) + "\n")
    render_page.render(out, run.manifest)
    return run


# ---------------------------------------------------------------- runs


@pytest.fixture(scope="session")
def atlas_run(tmp_path_factory: pytest.TempPathFactory) -> AtlasRun:
    """The pipeline (dbt build, outputs, figures) on a generated 3,000-step trace, dbt docs
    generated, and the page rendered. The outputs sit in <work>/output/cache_hit_ratio, beside
    <work>/target, as in the project, so the exposures' relative URLs resolve."""
    work = tmp_path_factory.mktemp("atlas-page")
    trace = generate_trace(work / "trace" / "trace.jsonl", PAGE_STEPS)
    built = run_pipeline(str(trace), work, plots=True)
    out = work / "output" / "cache_hit_ratio"
    out.parent.mkdir(parents=True)
    built.out.rename(out)
    docs = run_dbt(["docs", "generate"], str(trace), work)
    if docs.returncode != 0:
        pytest.fail(f"dbt docs generate failed:\n{docs.stdout[-4000:]}")
    return finish_run(out, built.target, [trace])


def write_hostile_trace(folder: Path) -> Path:
    """A small generated trace whose providers, models, projects and file name hold markup,
    with two bad lines (set aside in quarantine) carrying it into rejected_lines.csv."""
    plain = generate_trace(folder / "plain.jsonl", 400)
    lines = plain.read_text(encoding="utf-8").splitlines()
    hostile = []
    for index, line in enumerate(lines):
        step = json.loads(line)
        if index % 7 == 0:
            step["provider"] = SCRIPT_PAYLOAD if index % 2 else IMG_PAYLOAD
        step["model"], step["project"] = SCRIPT_PAYLOAD, IMG_PAYLOAD
        hostile.append(json.dumps(step))
    for payload in (SCRIPT_PAYLOAD, IMG_PAYLOAD):
        bad = {"model": payload, "project": payload, "prefix_tokens": "123"}
        hostile.insert(5, json.dumps(bad, ensure_ascii=False))
    path = folder / f"{FILE_PAYLOAD}.jsonl"
    path.write_text("\n".join(hostile) + "\n", encoding="utf-8")
    plain.unlink()
    return path


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> AtlasRun:
    work = tmp_path_factory.mktemp("atlas-hostile")
    trace = write_hostile_trace(work)
    env = {"TRACE_ATLAS_ON_BAD_LINES": "quarantine"}
    built = run_pipeline(str(trace), work, plots=False, env=env)
    return finish_run(built.out, built.target, [trace], "quarantine")


# ---------------------------------------------------------------- serving


@dataclass(frozen=True)
class Served:
    base: str
    site: serve_page.Site

    def url(self, path: Path) -> str:
        return self.base + self.site.url_path(path.resolve())


def serve(out: Path, target: Path) -> Iterator[Served]:
    site = serve_page.build_site(out, target, PROJECT_DIR)
    handler = functools.partial(QuietHandler, site=site)
    server = serve_page.AtlasServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", site)
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(serve_page.AtlasHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def served(atlas_run: AtlasRun) -> Iterator[Served]:
    yield from serve(atlas_run.out, atlas_run.target)


@pytest.fixture(scope="session")
def hostile_served(hostile_run: AtlasRun) -> Iterator[Served]:
    yield from serve(hostile_run.out, hostile_run.target)


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser_context() -> Iterator[Any]:
    """Headless Debian Chromium with a fresh profile, through Playwright for Python."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None:
        pytest.fail(
            "Playwright for Python is not installed: run `make venv-page` "
            "(pip install -r requirements-page.txt). The atlas page is tested in a real browser.",
            pytrace=False,
        )
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium) "
            "or point TRACE_ATLAS_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    profile = Path(tempfile.mkdtemp(prefix="atlas-chromium-"))
    try:
        with sync_playwright() as playwright:
            try:
                context = playwright.chromium.launch_persistent_context(
                    str(profile),
                    executable_path=str(CHROMIUM),
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 900},
                )
            except PlaywrightError as error:
                pytest.fail(f"Chromium ({CHROMIUM}) did not start: {error}", pytrace=False)
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def payloads() -> dict[str, str]:
    """The hostile strings of the hostile trace: provider, model, project and file name."""
    return {"script": SCRIPT_PAYLOAD, "img": IMG_PAYLOAD, "file": FILE_PAYLOAD}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
