"""Serve the atlas page and the dbt docs site on localhost (what `make serve` runs).

One `http.server` on 127.0.0.1, rooted at the folder that holds both the output folder and the
dbt project, so every relative link works as it does on disk: the page's links to the models'
SQL, and the exposures' URLs in the docs site (`../output/cache_hit_ratio/...`, relative to
`target/index.html`). With the default folders the two addresses are

    http://127.0.0.1:8765/output/cache_hit_ratio/index.html   the atlas page
    http://127.0.0.1:8765/target/index.html                   the dbt docs site

Only these are served: the output folder (and the project's default output/), the docs site's
files in target/ (index.html, manifest.json, catalog.json), and the project's sources (models,
macros, seeds, analyses, tests, scripts, README.md, dbt_project.yml). Anything else, the
database included, is a 404. Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import errno
import functools
import os
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from trace_atlas import PROJECT_DIR

DEFAULT_PORT = 8765
DOCS_SITE_FILES = ("index.html", "manifest.json", "catalog.json")
SOURCE_FOLDERS = ("models", "macros", "seeds", "analyses", "tests", "trace_atlas")
SOURCE_FILES = ("README.md", "dbt_project.yml")


@dataclass(frozen=True)
class Site:
    """What the server exposes: its root and the files and folders it may serve."""

    root: Path
    folders: tuple[Path, ...]
    files: tuple[Path, ...]

    def allows(self, path: Path) -> bool:
        """Whether a resolved path may be served (hidden files never are)."""
        if path in self.files:
            return True
        inside = (f for f in self.folders if path == f or f in path.parents)
        folder = next(inside, None)
        if folder is None:
            return False
        return not any(part.startswith(".") for part in path.relative_to(folder).parts)

    def url_path(self, path: Path) -> str:
        return "/" + quote(path.relative_to(self.root).as_posix())


def build_site(out_dir: Path, target_dir: Path, project_dir: Path) -> Site:
    out_dir, target_dir, project_dir = (p.resolve() for p in (out_dir, target_dir, project_dir))
    root = Path(os.path.commonpath([out_dir, target_dir, project_dir]))
    folders = (out_dir, project_dir / "output", *(project_dir / f for f in SOURCE_FOLDERS))
    files = (
        *(target_dir / name for name in DOCS_SITE_FILES),
        *(project_dir / name for name in SOURCE_FILES),
    )
    return Site(root, folders, files)


class AtlasHandler(SimpleHTTPRequestHandler):
    """The standard file handler, limited to what the Site allows."""

    site: Site

    def __init__(self, *args, site: Site, **kwargs) -> None:
        self.site = site
        super().__init__(*args, directory=str(site.root), **kwargs)

    def send_head(self) -> BinaryIO | None:
        path = Path(self.translate_path(self.path)).resolve()
        if not self.site.allows(path):
            self.send_error(HTTPStatus.NOT_FOUND, "Not served by make serve")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class AtlasServer(ThreadingHTTPServer):
    """A browser that closes a connection early (a cancelled download) is not an error."""

    def handle_error(self, request: object, client_address: tuple) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def addresses(site: Site, out_dir: Path, target_dir: Path, base: str) -> Iterable[str]:
    yield f"atlas page:    {base}{site.url_path(out_dir.resolve() / 'index.html')}"
    docs = target_dir.resolve() / "index.html"
    if docs.is_file():
        yield f"dbt docs site: {base}{site.url_path(docs)}"
    else:
        yield f"dbt docs site: none yet in {target_dir}: run `make docs`, then reload"


def stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop the server, even when started with SIGINT ignored
    (as a background job of a non-interactive shell is)."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="serve.py",
        description=(
            "Serve the atlas page of an output folder and the dbt docs site on localhost, with "
            "Python's http.server, and print both addresses. Ctrl-C stops it."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("output/cache_hit_ratio"),
        metavar="OUT_DIR",
        help="the output folder holding index.html (default: output/cache_hit_ratio)",
    )
    parser.add_argument(
        "--target",
        type=Path,
        default=Path("target"),
        metavar="DIR",
        help="dbt's target folder, holding the docs site of `dbt docs generate` (default: target)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        metavar="DIR",
        help="the dbt project, whose sources the page links to (default: the folder above "
        "scripts/)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.out / "index.html").is_file():
        print(
            f"serve.py: error: no atlas page in {args.out}: run `make run` (or `make page` "
            "after a run) first.",
            file=sys.stderr,
        )
        return 1
    site = build_site(args.out, args.target, args.project_dir)
    handler = functools.partial(AtlasHandler, site=site)
    try:
        server = AtlasServer((args.host, args.port), handler)
    except OSError as error:
        reason = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used: {error}"
        print(
            f"serve.py: error: port {args.port} {reason}; try `make serve PORT=<another>`.",
            file=sys.stderr,
        )
        return 1
    host, port = server.server_address[:2]
    for line in addresses(site, args.out, args.target, f"http://{host}:{port}"):
        print(line, flush=True)
    print("Ctrl-C stops the server.", flush=True)
    stop_on_signals()
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
