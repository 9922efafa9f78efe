"""Self-contained figures (docs/outputs.md): each file is one compressed iTXt chunk, its POSIX
name the translated keyword, its bytes as text (UTF-8 without NUL, else base64); the chunk
``trace-atlas:manifest.json`` lists every file's kind, size, sha256 and encoding."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import click
from PIL import Image, PngImagePlugin

KEYWORD_PREFIX = "trace-atlas:"
MANIFEST_KEYWORD = KEYWORD_PREFIX + "manifest.json"
RUN_MANIFEST_NAME = "run_manifest.json"
KINDS = ("readme", "docs", "data", "provenance", "code")
MAX_TEXT_BYTES = 64 * 1024 * 1024  # one file's chunk text
MAX_TOTAL_TEXT_BYTES = 256 * 1024 * 1024  # all of a PNG's
_UNSAFE_NAME = re.compile(r"^/|^[A-Za-z]:|\\|[\x00-\x1f\x7f]|(^|/)\.{0,2}(/|$)")


class SidecarError(click.ClickException):
    """A problem with a figure or what it carries: one line for the user, no traceback."""


class Sidecar(NamedTuple):
    manifest: dict
    files: dict[str, bytes]


def check_name(name: str) -> None:
    """Refuse a name that is empty or absolute or could leave its folder (_UNSAFE_NAME)."""
    if not name or _UNSAFE_NAME.search(name):
        raise SidecarError(f"refusing unsafe embedded name {name!r}")


def _is_keyword(keyword: str) -> bool:
    """The PNG rules: Latin-1, printable, 1 to 79 bytes, no double or trailing space."""
    try:
        encoded = keyword.encode("latin-1")
    except UnicodeEncodeError:
        return False
    printable = all(32 <= byte <= 126 or byte >= 161 for byte in encoded)
    return printable and len(encoded) <= 79 and "  " not in keyword and keyword[-1] != " "


def assign_keywords(names: list[str]) -> dict[str, str]:
    """One distinct keyword per name; the manifest's is never given to a file."""
    used, keywords, number = {MANIFEST_KEYWORD}, {}, 0
    for name in names:
        keyword = KEYWORD_PREFIX + name
        while not _is_keyword(keyword) or keyword in used:
            keyword, number = f"{KEYWORD_PREFIX}file-{number}", number + 1
        keywords[name] = keyword
        used.add(keyword)
    return keywords


def _text(content: bytes) -> tuple[bytes, str]:
    """The chunk text of a file and its encoding."""
    if b"\x00" not in content:
        with contextlib.suppress(UnicodeDecodeError):
            content.decode("utf-8")
            return content, "utf-8"
    return base64.b64encode(content), "base64"


def sidecar_pnginfo(
    files: dict[str, bytes], kinds: dict[str, str], extra: dict
) -> PngImagePlugin.PngInfo:
    """A PngInfo carrying ``files`` and their manifest, for savefig's pil_kwargs (one encoding)."""
    info, entries, total = PngImagePlugin.PngInfo(), [], 0
    keywords = assign_keywords(sorted(files))
    for name in sorted(files):
        check_name(name)
        if kinds[name] not in KINDS:
            raise SidecarError(f"{name!r}: unknown kind {kinds[name]!r}; expected one of {KINDS}")
        text, encoding = _text(files[name])
        if len(text) > MAX_TEXT_BYTES:
            raise SidecarError(f"{name!r} is too large to embed ({len(text):,} bytes of text)")
        total += len(text)
        info.add_itxt(keywords[name], text, lang="", tkey=name, zip=True)
        digest = hashlib.sha256(files[name]).hexdigest()
        size, kind = len(files[name]), kinds[name]
        entries.append(dict(name=name, kind=kind, bytes=size, sha256=digest, encoding=encoding))
    if total > MAX_TOTAL_TEXT_BYTES:
        raise SidecarError(f"too much to embed ({total:,} bytes of text in all)")
    header = {"format": "trace-atlas-png-sidecar", "version": 2}
    header["read_with"] = "trace-atlas sidecar list|show|provenance|extract FIGURE.png"
    manifest = json.dumps({**header, **extra, "files": entries}, indent=2, ensure_ascii=False)
    info.add_itxt(MANIFEST_KEYWORD, manifest + "\n", lang="", tkey="", zip=True)
    return info


@contextmanager
def open_png(path: Path) -> Iterator[PngImagePlugin.PngImageFile]:
    """The PNG opened by Pillow with our text limits; any failure is a one-line SidecarError."""
    saved = PngImagePlugin.MAX_TEXT_CHUNK, PngImagePlugin.MAX_TEXT_MEMORY
    PngImagePlugin.MAX_TEXT_CHUNK = MAX_TEXT_BYTES
    PngImagePlugin.MAX_TEXT_MEMORY = MAX_TOTAL_TEXT_BYTES + MAX_TEXT_BYTES  # + the manifest
    try:
        with Image.open(path, formats=["PNG"]) as image:
            yield image
    except Image.UnidentifiedImageError as error:
        with open(path, "rb") as handle:
            signed = handle.read(8) == b"\x89PNG\r\n\x1a\n"
        problem = "corrupt or truncated PNG" if signed else "not a PNG file"
        raise SidecarError(f"{path}: {problem}") from error
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error) as error:
        if getattr(error, "errno", None) is not None:
            raise SidecarError(f"cannot read {path}: {error.strerror}") from error
        raise SidecarError(f"{path}: corrupt or truncated PNG ({error})") from error
    finally:
        PngImagePlugin.MAX_TEXT_CHUNK, PngImagePlugin.MAX_TEXT_MEMORY = saved


def png_size(path: Path) -> tuple[int, int]:
    with open_png(path) as image:
        return image.size


def read_sidecar(path: Path) -> Sidecar:
    """The manifest and every embedded file's bytes (image.text decodes the whole image, so a
    corrupt one is found)."""
    with open_png(path) as image:
        chunks = {k: v for k, v in image.text.items() if k.startswith(KEYWORD_PREFIX)}
    manifest = chunks.pop(MANIFEST_KEYWORD, None)
    if manifest is None:
        raise SidecarError(f"{path}: no {MANIFEST_KEYWORD} chunk (not a self-contained figure)")
    try:
        manifest = json.loads(manifest)
        encodings = {entry["name"]: entry["encoding"] for entry in manifest["files"]}
    except (ValueError, TypeError, KeyError) as error:
        raise SidecarError(f"{path}: the manifest is not a file list ({error!r})") from error
    files: dict[str, bytes] = {}
    for keyword, text in chunks.items():
        name = getattr(text, "tkey", None) or keyword.removeprefix(KEYWORD_PREFIX)
        try:
            base64_text = encodings.get(name) == "base64"
            files[name] = base64.b64decode(text, validate=True) if base64_text else text.encode()
        except binascii.Error as error:
            raise SidecarError(f"{name!r}: invalid base64 payload") from error
    return Sidecar(manifest, files)


def verify_entry(entry: dict, content: bytes) -> None:
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry["sha256"] or entry["bytes"] != len(content):
        hashes = f"manifest {entry['sha256'][:12]}…, embedded {digest[:12]}…"
        problem = f"sha256 mismatch ({hashes}); the figure was altered or is corrupt"
        raise SidecarError(f"{entry['name']!r}: {problem}")


def verify(sidecar: Sidecar) -> None:
    """The manifest and the chunks name the same files, and every size and sha256 matches."""
    listed = [entry["name"] for entry in sidecar.manifest["files"]]
    if sorted(set(listed)) != sorted(listed) or set(listed) != set(sidecar.files):
        missing = ", ".join(sorted(set(listed) - set(sidecar.files))) or "none"
        unlisted = ", ".join(sorted(set(sidecar.files) - set(listed))) or "none"
        raise SidecarError(
            f"the manifest and the chunks disagree: listed without a chunk: {missing}; "
            f"chunks not listed in the manifest: {unlisted}"
        )
    for entry in sidecar.manifest["files"]:
        verify_entry(entry, sidecar.files[entry["name"]])


def verified_file(sidecar: Sidecar, name: str) -> tuple[str, bytes]:
    """(full name, bytes) of ``name``, else of the only file ending in ``/name``, checked."""
    entries = {entry["name"]: entry for entry in sidecar.manifest["files"]}
    if name not in entries:
        matches = sorted(full for full in entries if full.endswith("/" + name))
        if len(matches) > 1:
            raise SidecarError(f"{name!r} is ambiguous: {', '.join(matches)}")
        name = matches[0] if matches else name
    if name not in entries or name not in sidecar.files:
        raise SidecarError(f"no embedded file named {name!r} (see: trace-atlas sidecar list)")
    verify_entry(entries[name], sidecar.files[name])
    return name, sidecar.files[name]


def extract(png: Path, out_dir: Path) -> list[Path]:
    """Write every embedded file under ``out_dir``, once every name and sha256 is checked."""
    sidecar, root = read_sidecar(png), Path(out_dir).resolve()
    targets = {}
    for name in [*(entry["name"] for entry in sidecar.manifest["files"]), *sidecar.files]:
        check_name(name)
        targets[name] = (root / name).resolve()
        if not targets[name].is_relative_to(root) or targets[name] == root:
            raise SidecarError(f"refusing {name!r}: resolves outside {out_dir} (symlink?)")
    verify(sidecar)
    for name, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(sidecar.files[name])
    return list(targets.values())


def _plain(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None else value if isinstance(value, str) else json.dumps(value)


def provenance(png: Path) -> str:
    """The figure's embedded run_manifest.json, checked: one fact a line, inputs indented."""
    sidecar = read_sidecar(png)
    names = [e["name"] for e in sidecar.manifest["files"] if e["kind"] == "provenance"]
    if not names:
        raise SidecarError(f"no {RUN_MANIFEST_NAME} embedded: the figure was drawn outside a run")
    name, content = verified_file(sidecar, names[0])
    lines = [f"{'figure':<19}{png.name}  (provenance: {name})"]
    for key, value in json.loads(content).items():
        if key == "inputs":
            lines.append(f"{'input files':<19}{len(value)}")
            for item in value:
                lines.append(f"  {item.get('path')}")
                size, sha256 = _plain(item.get("size")), item.get("sha256")
                lines.append(f"    {size} bytes  sha256 {sha256}")
        elif isinstance(value, dict):
            lines += [key, *(f"  {k:<17}{_plain(v):>15}" for k, v in value.items())]
        else:
            lines.append(f"{key:<19}{_plain(value)}")
    return "\n".join(lines) + "\n"


def default_file_mode(mode: int = 0o666) -> int:
    """The mode a plainly created file (or with 0o777, folder) gets: mode less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Let ``write`` fill a temporary file beside ``path``, then rename it over ``path``."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(name))
        os.chmod(name, default_file_mode())
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)
    return path
