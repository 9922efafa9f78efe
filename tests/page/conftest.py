"""Fixtures for the atlas page: one pipeline run on a small generated trace, one on a hostile trace
with six providers, a local server, and headless Chromium driven by Playwright for Python.

Missing Playwright or Chromium makes the browser tests FAIL with the command that installs them
(`make venv-page`, `make browser`), never skip: a page nobody opened in a browser is untested.

Reached from the test modules through fixtures only (no `from conftest import ...`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
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
    test. The sidecar command, run in-process as tests/figures does, resets it to the default
    (terminate), which would let a browser closing a connection kill the whole pytest run."""
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGPIPE, previous)


# ---------------------------------------------------------------- runs


@pytest.fixture(scope="session")
def atlas_run(tmp_path_factory: pytest.TempPathFactory) -> AtlasRun:
    """The pipeline (dbt build, outputs, figures, page) on a generated 3,000-step trace, and dbt
    docs generated. The outputs are moved to <work>/output/cache_hit_ratio, beside <work>/target,
    as in the project, so the exposures' relative URLs resolve; the page is rendered again there,
    from the folder alone, for its links to the models' SQL."""
    work = tmp_path_factory.mktemp("atlas-page")
    trace = generate_trace(work / "trace" / "trace.jsonl", PAGE_STEPS)
    built = run_pipeline(str(trace), work, plots=True)
    out = work / "output" / "cache_hit_ratio"
    out.parent.mkdir(parents=True)
    wrote_page = (built.out / render_page.PAGE_NAME).is_file()
    built.out.rename(out)
    docs = run_dbt(["docs", "generate"], str(trace), work)
    if docs.returncode != 0:
        pytest.fail(f"dbt docs generate failed:\n{docs.stdout[-4000:]}")
    render_page.render(out)
    return AtlasRun(out, built.target, (trace,), wrote_page)


def write_hostile_trace(folder: Path) -> Path:
    """A small generated trace whose providers, models, projects and file name hold markup,
    with two bad lines (set aside in quarantine) carrying it into rejected_lines.csv. Besides
    claude and codex it has four more providers, which share one scope order: the two payloads,
    gemini, and steps with no provider (scope unknown)."""
    plain = generate_trace(folder / "plain.jsonl", 400)
    lines = plain.read_text(encoding="utf-8").splitlines()
    hostile = []
    for index, line in enumerate(lines):
        step = json.loads(line)
        if index % 7 == 0:
            step["provider"] = SCRIPT_PAYLOAD if index % 2 else IMG_PAYLOAD
        elif index % 5 == 0:
            step["provider"] = "gemini"
        elif index % 3 == 0:
            step.pop("provider", None)
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
    """The pipeline, figures included, on the hostile trace, in quarantine mode."""
    work = tmp_path_factory.mktemp("atlas-hostile")
    trace = write_hostile_trace(work)
    env = {"TRACE_ATLAS_ON_BAD_LINES": "quarantine"}
    built = run_pipeline(str(trace), work, plots=True, env=env)
    return AtlasRun(built.out, built.target, (trace,), (built.out / "index.html").is_file())


# ---------------------------------------------------------------- serving


@dataclass(frozen=True)
class Served:
    base: str
    site: serve_page.Site

    def url(self, path: Path) -> str:
        return self.base + self.site.url_path(path.resolve())


def serve(out: Path, target: Path) -> Iterator[Served]:
    site = serve_page.Site(out, target, PROJECT_DIR)
    server = serve_page.Server(("127.0.0.1", 0), functools.partial(QuietHandler, site=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", site)
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(serve_page.Handler):
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


def reads_as(shown: str, written: str) -> bool:
    """Whether a page cell is its CSV cell as a reader reads it, checked here apart from the
    page's code: as written, an integer with thousands separators, or a number rounded to
    within half its last shown digit -- a fraction in percent with one decimal, seconds with
    one decimal, dollars (with two decimals, or three significant digits under $1)."""
    if shown == written:
        return True
    if re.fullmatch(r"-?[0-9]+", written):
        return shown == f"{int(written):,}"
    try:
        value = float(written)
    except ValueError:
        return False
    if re.fullmatch(r"-?[0-9,]+\.[0-9]%", shown):
        return abs(float(shown[:-1].replace(",", "")) - value * 100) <= 0.05 + 1e-9
    if re.fullmatch(r"-?[0-9,]+\.[0-9]", shown):
        return abs(float(shown.replace(",", "")) - value) <= 0.05 + 1e-9
    if shown.startswith("$"):
        number = shown[1:].replace(",", "")
        decimals = len(number.partition(".")[2])
        return abs(float(number) - value) <= 0.5 * 10**-decimals + 1e-12
    return False


@pytest.fixture(scope="session")
def read_as_written():
    """reads_as, for the test modules."""
    return reads_as
