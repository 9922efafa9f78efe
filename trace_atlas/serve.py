"""`make serve`: http.server rooted where the output folder, dbt's target folder and the project
meet, so relative links work as on disk; only the outputs, the docs site and the sources."""

from __future__ import annotations

import os
import signal
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

import click

from trace_atlas import PROJECT_DIR

DEFAULT_PORT = 8765
DOCS_SITE = ("index.html", "manifest.json", "catalog.json")
SOURCES = ("models", "macros", "seeds", "analyses", "tests", "trace_atlas")
SOURCE_FILES = ("README.md", "dbt_project.yml")


class Site:
    """The served root and what under it may be served."""

    def __init__(self, out: Path, target: Path, project: Path = PROJECT_DIR) -> None:
        self.out, self.target = out.resolve(), target.resolve()
        project = project.resolve()
        self.root = Path(os.path.commonpath([self.out, self.target, project]))
        self.files = {*(self.target / n for n in DOCS_SITE), *(project / n for n in SOURCE_FILES)}
        self.folders = (self.out, project / "output", *(project / f for f in SOURCES))

    def allows(self, path: Path) -> bool:
        """A file of the docs site or the sources, or one in an allowed folder, not hidden."""
        if path in self.files:
            return True
        folder = next((f for f in self.folders if path == f or f in path.parents), None)
        return folder is not None and not any(
            part.startswith(".") for part in path.relative_to(folder).parts
        )

    def url_path(self, path: Path) -> str:
        return "/" + quote(path.relative_to(self.root).as_posix())

    def addresses(self, base: str) -> list[str]:
        """The lines that tell the user where to look."""
        docs = self.target / "index.html"
        missing = f"none yet in {self.target}: run `make docs`, then reload"
        where = f"{base}{self.url_path(docs)}" if docs.is_file() else missing
        page = base + self.url_path(self.out / "index.html")
        return [f"atlas page:    {page}", f"dbt docs site: {where}"]


class Handler(SimpleHTTPRequestHandler):
    """http.server's file handler for what the Site allows, / leading to the page, uncached."""

    def __init__(self, *args, site: Site, **kwargs) -> None:
        self.site = site
        super().__init__(*args, directory=str(site.root), **kwargs)

    def send_head(self):  # http.server's own signature
        if urlsplit(self.path).path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", self.site.url_path(self.site.out / "index.html"))
            self.end_headers()
            return None
        if not self.site.allows(Path(self.translate_path(self.path)).resolve()):
            self.send_error(HTTPStatus.NOT_FOUND, "Not served by make serve")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: tuple) -> None:
        """A browser that drops a connection (a cancelled download) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main(out: Path, target: Path, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
    """Print both addresses, then serve until Ctrl-C or SIGTERM (even as a background job)."""
    if not (out / "index.html").is_file():
        raise click.ClickException(f"no atlas page in {out}: run `make run` first.")
    site = Site(out, target)
    try:
        httpd = Server((host, port), partial(Handler, site=site))
    except OSError as error:
        message = f"port {port} cannot be used ({error.strerror}); try `make serve PORT=<another>`."
        raise click.ClickException(message) from None
    host, port = httpd.server_address[:2]
    click.echo("\n".join([*site.addresses(f"http://{host}:{port}"), "Ctrl-C stops the server."]))
    for signum in (signal.SIGINT, signal.SIGTERM):  # both stop as Ctrl-C does
        signal.signal(signum, signal.default_int_handler)
    with httpd:
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            click.echo("\nstopped.")
