"""Self-contained PNG figures: embed files in a PNG, then list, show or extract them.

A Trace Atlas figure carries what is needed to understand and reproduce it: the
README, the docs blocks, every output table, the run's provenance (``run_manifest.json``)
and the source code that produced it. This module writes those files into the PNG itself,
with Pillow's PNG text support, and reads them back with Pillow.

Embedding format (standard PNG ``iTXt`` chunks, written by Pillow before the image data):

* One compressed ``iTXt`` chunk per embedded file (compression flag 1, zlib).
  - translated-keyword field: the exact relative ``<name>`` in UTF-8 -- authoritative;
  - keyword: ``trace-atlas:<name>`` when that fits the PNG keyword rules (Latin-1,
    printable, at most 79 bytes, no double or trailing space) and is not taken,
    else ``trace-atlas:file-<n>`` with the first free number. Keywords are unique
    within a PNG (Pillow keys ``Image.text`` by keyword, so a repeated keyword
    would hide a file); they are for humans and generic tools such as ``exiftool``;
  - language tag: empty;
  - text: the file's bytes verbatim when they are valid UTF-8 without NUL bytes
    (every file of this project), otherwise the bytes in base64. The manifest
    records which (``"encoding": "utf-8"`` or ``"base64"``), so the round trip is
    byte-identical either way.
* One compressed ``iTXt`` chunk with keyword ``trace-atlas:manifest.json`` and an
  empty translated keyword: a JSON object whose ``files`` list gives, for every
  embedded file, its ``name``, ``kind`` (``readme``, ``docs``, ``data``,
  ``provenance`` or ``code``), ``bytes`` (size), ``sha256`` (of the original bytes)
  and ``encoding``, plus free-form fields the caller adds before the list (the
  figure step adds the figure's name, the plotted column and a ``run`` block naming
  the embedded run_manifest.json: dbt invocation id, git commit, input files with
  their sha256).

Names are relative POSIX paths (``output/cache_hit_ratio_bins.csv``). A single file
is limited to ``MAX_TEXT_BYTES`` of chunk text and a PNG to ``MAX_TOTAL_TEXT_BYTES``
(Pillow's own, smaller read limits are raised to these while reading). ``extract``
refuses any name that could escape the target directory and verifies every sha256
before writing anything. A corrupt, truncated or non-PNG file is a ``SidecarError``.

Command line::

    python scripts/png_sidecar.py list FIGURE.png
    python scripts/png_sidecar.py show FIGURE.png NAME
    python scripts/png_sidecar.py provenance FIGURE.png
    python scripts/png_sidecar.py extract FIGURE.png -o DIR
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import signal
import string
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image, PngImagePlugin

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD_PREFIX = "trace-atlas:"
MANIFEST_KEYWORD = KEYWORD_PREFIX + "manifest.json"
FALLBACK_KEYWORD = KEYWORD_PREFIX + "file-{}"
MANIFEST_FORMAT = "trace-atlas-png-sidecar"
MANIFEST_VERSION = 2
KINDS = ("readme", "docs", "data", "provenance", "code")
RUN_MANIFEST_NAME = "run_manifest.json"
MAX_KEYWORD_BYTES = 79
MAX_TEXT_BYTES = 64 * 1024 * 1024
MAX_TOTAL_TEXT_BYTES = 256 * 1024 * 1024
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


class SidecarError(Exception):
    """A problem with a PNG or its embedded files, reported without a traceback."""


@dataclass(frozen=True)
class Sidecar:
    """What a PNG carries: the manifest and each embedded file's decoded bytes."""

    manifest: dict
    files: dict[str, bytes]


# ---------------------------------------------------------------- names and kinds


def kind_of(name: str) -> str:
    """Classify an embedded name: readme, docs, data, provenance or code."""
    top, base = name.split("/")[0], PurePosixPath(name).name
    if name == "README.md":
        return "readme"
    if top == "output":
        return "provenance" if base == RUN_MANIFEST_NAME else "data"
    if top == "models" and base.endswith(".md"):
        return "docs"
    return "code"


def check_name(name: str) -> None:
    """Raise SidecarError unless ``name`` is a safe relative POSIX path."""
    problem = None
    if not name:
        problem = "empty name"
    elif "\\" in name:
        problem = "contains a backslash"
    elif "\x00" in name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problem = "contains a control character"
    elif name.startswith("/"):
        problem = "is an absolute path"
    elif _DRIVE_LETTER.match(name):
        problem = "starts with a drive letter"
    elif any(part in ("", ".", "..") for part in name.split("/")):
        problem = "has an empty, '.' or '..' path component"
    if problem:
        raise SidecarError(f"refusing unsafe embedded name {name!r}: {problem}")


def _is_valid_keyword(keyword: str) -> bool:
    """The PNG rules for a chunk keyword (Latin-1, printable, 1..79 bytes, spacing)."""
    try:
        encoded = keyword.encode("latin-1")
    except UnicodeEncodeError:
        return False
    printable = all(32 <= b <= 126 or 161 <= b <= 255 for b in encoded)
    spacing = "  " not in keyword and not keyword.endswith(" ")
    return 0 < len(encoded) <= MAX_KEYWORD_BYTES and printable and spacing


def assign_keywords(names: list[str]) -> dict[str, str]:
    """A unique keyword per name (see the module docstring); the manifest's is reserved."""
    used = {MANIFEST_KEYWORD}
    keywords: dict[str, str] = {}
    for name in names:
        keyword = KEYWORD_PREFIX + name
        if _is_valid_keyword(keyword) and keyword not in used:
            keywords[name] = keyword
            used.add(keyword)
    number = 0
    for name in names:
        if name in keywords:
            continue
        while FALLBACK_KEYWORD.format(number) in used:
            number += 1
        keywords[name] = FALLBACK_KEYWORD.format(number)
        used.add(keywords[name])
    return keywords


# ---------------------------------------------------------------- building the chunks


def _encode_text(content: bytes) -> tuple[bytes, str]:
    """Return the chunk text for ``content`` and its encoding name (utf-8 or base64)."""
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
            return content, "utf-8"
        except UnicodeDecodeError:
            pass
    return base64.b64encode(content), "base64"


def build_manifest(
    files: dict[str, bytes], kinds: dict[str, str] | None = None, extra: dict | None = None
) -> dict:
    """The manifest object for ``files`` (names sorted), with ``extra`` top-level fields."""
    entries = []
    for name in sorted(files):
        content = files[name]
        entries.append(
            {
                "name": name,
                "kind": (kinds or {}).get(name) or kind_of(name),
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "encoding": _encode_text(content)[1],
            }
        )
    header = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "read_with": "trace-atlas sidecar list|show|provenance|extract FIGURE.png",
    }
    return {**header, **(extra or {}), "files": entries}


def add_file_chunks(info: PngImagePlugin.PngInfo, files: dict[str, bytes]) -> None:
    """Add one compressed iTXt chunk per file to ``info``. Names are NOT checked here."""
    keywords = assign_keywords(sorted(files))
    for name in sorted(files):
        text, _ = _encode_text(files[name])
        info.add_itxt(keywords[name], text, lang="", tkey=name, zip=True)


def add_manifest_chunk(info: PngImagePlugin.PngInfo, manifest: dict) -> None:
    """Add the manifest's compressed iTXt chunk to ``info``."""
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    info.add_itxt(MANIFEST_KEYWORD, text, lang="", tkey="", zip=True)


def check_files(files: dict[str, bytes], kinds: dict[str, str] | None = None) -> None:
    """Refuse unsafe names, unknown kinds and files too large for the readers' limits."""
    total = 0
    for name, content in files.items():
        check_name(name)
        size = len(_encode_text(content)[0])
        if size > MAX_TEXT_BYTES:
            raise SidecarError(f"{name!r} is too large to embed ({size:,} bytes of text)")
        total += size
    if total > MAX_TOTAL_TEXT_BYTES:
        raise SidecarError(f"too much to embed ({total:,} bytes of text in all)")
    for name, kind in (kinds or {}).items():
        if kind not in KINDS:
            raise SidecarError(f"{name!r}: unknown kind {kind!r}; expected one of {KINDS}")


def sidecar_pnginfo(
    files: dict[str, bytes],
    kinds: dict[str, str] | None = None,
    extra: dict | None = None,
    info: PngImagePlugin.PngInfo | None = None,
) -> tuple[PngImagePlugin.PngInfo, dict]:
    """The PngInfo (given or new) carrying ``files`` and their manifest, and the manifest.

    Pass it to ``Image.save(..., pnginfo=info)`` or matplotlib's
    ``savefig(..., pil_kwargs={"pnginfo": info})`` to embed while the image is encoded.
    """
    check_files(files, kinds)
    info = info if info is not None else PngImagePlugin.PngInfo()
    manifest = build_manifest(files, kinds, extra)
    add_file_chunks(info, files)
    add_manifest_chunk(info, manifest)
    return info, manifest


# ---------------------------------------------------------------- reading a PNG with Pillow


@contextmanager
def _text_limits() -> Iterator[None]:
    """Raise Pillow's text-chunk limits (1 MB a chunk) to this module's while reading."""
    saved = PngImagePlugin.MAX_TEXT_CHUNK, PngImagePlugin.MAX_TEXT_MEMORY
    PngImagePlugin.MAX_TEXT_CHUNK = MAX_TEXT_BYTES
    PngImagePlugin.MAX_TEXT_MEMORY = MAX_TOTAL_TEXT_BYTES + MAX_TEXT_BYTES  # + manifest, own text
    try:
        yield
    finally:
        PngImagePlugin.MAX_TEXT_CHUNK, PngImagePlugin.MAX_TEXT_MEMORY = saved


@contextmanager
def open_png(path: Path) -> Iterator[PngImagePlugin.PngImageFile]:
    """Open a PNG with Pillow; every failure becomes a one-line SidecarError."""
    try:
        with _text_limits(), Image.open(path, formats=["PNG"]) as image:
            yield image
    except SidecarError:
        raise
    except Image.UnidentifiedImageError as exc:
        raise SidecarError(f"{path}: {_why_unidentified(path)}") from exc
    except OSError as exc:
        if exc.errno is not None:
            raise SidecarError(f"cannot read {path}: {exc.strerror}") from exc
        raise SidecarError(f"{path}: corrupt or truncated PNG ({exc})") from exc
    except (SyntaxError, ValueError, EOFError, zlib.error, Image.DecompressionBombError) as exc:
        raise SidecarError(f"{path}: corrupt or truncated PNG ({exc})") from exc


def _why_unidentified(path: Path) -> str:
    """Why Pillow could not open a file: not a PNG at all, or a PNG with broken header chunks."""
    with open(path, "rb") as handle:
        if handle.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            return "not a PNG file"
        handle.seek(0)
        try:
            PngImagePlugin.PngImageFile(handle).close()
        except (SyntaxError, ValueError, OSError, EOFError, IndexError, struct.error) as exc:
            return f"corrupt or truncated PNG ({exc})"
    return "corrupt or truncated PNG"


def read_text_chunks(path: Path) -> dict[str, str]:
    """Every text chunk of the PNG by keyword (Pillow's ``Image.text``; loads the image)."""
    with open_png(path) as image:
        return dict(image.text)


def png_size(path: Path | str) -> tuple[int, int]:
    """Return (width, height) in pixels."""
    with open_png(Path(path)) as image:
        return image.size


# ---------------------------------------------------------------- embedding into an existing PNG


def _kept_pnginfo(image: PngImagePlugin.PngImageFile) -> PngImagePlugin.PngInfo:
    """A PngInfo with the image's own text chunks, minus any earlier sidecar chunks."""
    info = PngImagePlugin.PngInfo()
    for keyword, value in image.text.items():
        if keyword.startswith(KEYWORD_PREFIX):
            continue
        if isinstance(value, PngImagePlugin.iTXt):
            info.add_itxt(keyword, value, lang=value.lang or "", tkey=value.tkey or "", zip=True)
        else:
            info.add_text(keyword, value)
    return info


def default_file_mode() -> int:
    """The mode a plainly created file gets (0o666 less the umask); mkstemp uses 0o600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def embed(
    png_path: Path | str,
    files: dict[str, bytes],
    kinds: dict[str, str] | None = None,
    extra: dict | None = None,
) -> dict:
    """Embed ``files`` (relative name -> bytes) into the existing PNG at ``png_path``.

    The image is re-encoded by Pillow with the same pixels, mode and resolution; its
    own text chunks are kept and any files embedded earlier by this module are
    replaced, so embedding twice is idempotent. ``kinds`` overrides ``kind_of`` per
    name; ``extra`` adds top-level manifest fields. The PNG is replaced atomically.
    Returns the manifest. (The figure step embeds while saving instead; see
    ``sidecar_pnginfo``.)
    """
    path = Path(png_path)
    check_files(files, kinds)
    with open_png(path) as image:
        image.load()  # the pixels stay in memory once the file is closed
        info, manifest = sidecar_pnginfo(files, kinds, extra, _kept_pnginfo(image))
        options = {key: image.info[key] for key in ("dpi", "icc_profile") if key in image.info}
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise SidecarError(f"cannot write next to {path}: {exc.strerror}") from exc
    os.close(fd)
    try:
        image.save(tmp, format="PNG", pnginfo=info, **options)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SidecarError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


# ---------------------------------------------------------------- reading the sidecar


def read_sidecar(png_path: Path | str) -> Sidecar:
    """Read the manifest and every embedded file (decoded to original bytes)."""
    path = Path(png_path)
    manifest = None
    raw: dict[str, bytes] = {}
    for keyword, value in read_text_chunks(path).items():
        if not keyword.startswith(KEYWORD_PREFIX) or not isinstance(value, PngImagePlugin.iTXt):
            continue
        if keyword == MANIFEST_KEYWORD and not value.tkey:
            manifest = _parse_manifest(value)
            continue
        name = value.tkey or keyword[len(KEYWORD_PREFIX) :]
        if name in raw:
            raise SidecarError(f"{path}: name {name!r} is embedded twice")
        raw[name] = value.encode("utf-8")
    if manifest is None:
        raise SidecarError(f"{path}: no {MANIFEST_KEYWORD} chunk (not a self-contained figure)")
    return Sidecar(manifest, _decode_files(raw, manifest))


def _parse_manifest(text: str) -> dict:
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SidecarError(f"manifest is not valid JSON: {exc}") from exc
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not all(isinstance(e, dict) for e in files):
        raise SidecarError("manifest has no 'files' list")
    for entry in files:
        if not isinstance(entry.get("name"), str) or not isinstance(entry.get("sha256"), str):
            raise SidecarError(f"manifest entry without name/sha256: {entry!r}")
    return manifest


def _decode_files(raw: dict[str, bytes], manifest: dict) -> dict[str, bytes]:
    """Undo the per-file text encoding declared in the manifest."""
    encodings = {e["name"]: e.get("encoding", "utf-8") for e in manifest["files"]}
    decoded = {}
    for name, text in raw.items():
        if encodings.get(name) == "base64":
            try:
                decoded[name] = base64.b64decode(text, validate=True)
            except binascii.Error as exc:
                raise SidecarError(f"{name!r}: invalid base64 payload") from exc
        else:
            decoded[name] = text
    return decoded


def verify(sidecar: Sidecar) -> None:
    """Check manifest and chunks agree one-to-one and every size and sha256 matches."""
    listed = [e["name"] for e in sidecar.manifest["files"]]
    if len(set(listed)) != len(listed):
        raise SidecarError("manifest lists a name twice")
    missing = sorted(set(listed) - set(sidecar.files))
    unlisted = sorted(set(sidecar.files) - set(listed))
    if missing:
        raise SidecarError(f"manifest lists files with no chunk: {', '.join(missing)}")
    if unlisted:
        raise SidecarError(f"chunks not listed in the manifest: {', '.join(unlisted)}")
    for entry in sidecar.manifest["files"]:
        verify_entry(entry, sidecar.files[entry["name"]])


def verify_entry(entry: dict, content: bytes) -> None:
    """Raise SidecarError if ``content`` does not match the manifest entry."""
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry["sha256"]:
        raise SidecarError(
            f"{entry['name']!r}: sha256 mismatch (manifest {entry['sha256'][:12]}…, "
            f"embedded {digest[:12]}…); the figure was altered or is corrupt"
        )
    if "bytes" in entry and entry["bytes"] != len(content):
        raise SidecarError(f"{entry['name']!r}: size mismatch with the manifest")


def verified_file(sidecar: Sidecar, name: str) -> tuple[str, bytes]:
    """The embedded file called ``name`` -- or, failing that, the only one whose path
    ends in ``/name`` -- checked against its manifest entry: (full name, bytes)."""
    entries = {e["name"]: e for e in sidecar.manifest["files"]}
    if name not in entries:
        matches = [n for n in entries if n.endswith("/" + name)]
        if len(matches) > 1:
            raise SidecarError(f"{name!r} is ambiguous: {', '.join(sorted(matches))}")
        name = matches[0] if matches else name
    if name not in entries or name not in sidecar.files:
        raise SidecarError(f"no embedded file named {name!r} (see: sidecar.py list)")
    verify_entry(entries[name], sidecar.files[name])
    return name, sidecar.files[name]


# ---------------------------------------------------------------- extracting


def extraction_targets(names: list[str], out_dir: Path) -> dict[str, Path]:
    """Map each name to its path under ``out_dir``; refuse any that would escape it."""
    root = out_dir.resolve()
    targets = {}
    for name in names:
        check_name(name)
        target = (root / name).resolve()
        if not target.is_relative_to(root) or target == root:
            raise SidecarError(f"refusing {name!r}: resolves outside {out_dir} (symlink?)")
        targets[name] = target
    return targets


def extract(png_path: Path | str, out_dir: Path | str) -> list[Path]:
    """Write every embedded file under ``out_dir`` (relative folders kept).

    All names are checked and all checksums verified before the first byte is
    written, so a refused figure leaves ``out_dir`` untouched.
    """
    sidecar = read_sidecar(png_path)
    out = Path(out_dir)
    targets = extraction_targets([e["name"] for e in sidecar.manifest["files"]], out)
    extraction_targets(list(sidecar.files), out)
    verify(sidecar)
    written = []
    for name, target in targets.items():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(sidecar.files[name])
        except OSError as exc:
            raise SidecarError(f"cannot write {target}: {exc.strerror}") from exc
        written.append(target)
    return written


# ---------------------------------------------------------------- provenance


def run_manifest(sidecar: Sidecar) -> tuple[str, dict]:
    """The embedded run_manifest.json (kind ``provenance``), verified and parsed."""
    names = [e["name"] for e in sidecar.manifest["files"] if e.get("kind") == "provenance"]
    if not names:
        raise SidecarError(
            f"no {RUN_MANIFEST_NAME} embedded: the figure was drawn outside a pipeline run"
        )
    name, content = verified_file(sidecar, names[0])
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SidecarError(f"{name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SidecarError(f"{name} is not a JSON object")
    return name, data


def _plain(value: object) -> str:
    """A value as a reader wants it: counts with thousands separators, nothing quoted."""
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# (label, line template over run_manifest.json's keys), in reading order.
PROVENANCE_LINES = (
    ("experiment", "{experiment}"),
    ("dbt invocation", "{dbt_invocation_id}"),
    ("git commit", "{git_commit}"),
    ("engine", "{engine}, target {target}"),
    ("versions", "dbt {dbt_version}, adapter {adapter} {adapter_version}"),
    ("input", "{input_kind}, on_bad_lines {on_bad_lines}"),
    ("started at", "{started_at}"),
    ("build finished at", "{build_finished_at}"),
    ("written at", "{written_at}"),
)
NOT_LISTED_KEYS = ("format", "version", "inputs", "rows")
LABEL_WIDTH = 19


def _line(label: str, text: str) -> str:
    return f"{label:<{LABEL_WIDTH}}{text}"


def _input_lines(inputs: object) -> list[str]:
    items = inputs if isinstance(inputs, list) else []
    lines = [_line("input files", str(len(items)))]
    for item in items:
        item = item if isinstance(item, dict) else {"path": item}
        lines.append(f"  {_plain(item.get('path'))}")
        lines.append(f"    {_plain(item.get('size'))} bytes  sha256 {_plain(item.get('sha256'))}")
    return lines


def _row_lines(rows: object) -> list[str]:
    counts = rows if isinstance(rows, dict) else {}
    return ["rows"] + [f"  {key:<17}{_plain(value):>15}" for key, value in counts.items()]


def format_provenance(figure: Path, sidecar: Sidecar) -> str:
    """The run that drew ``figure``, readably: one fact a line, inputs and rows indented."""
    name, run = run_manifest(sidecar)
    values = {key: _plain(value) for key, value in run.items()}
    lines = [_line("figure", f"{figure.name}  (provenance: {name})")]
    shown = set(NOT_LISTED_KEYS)
    for label, template in PROVENANCE_LINES:
        keys = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        lines.append(_line(label, template.format_map({k: values.get(k, "-") for k in keys})))
        shown.update(keys)
    lines += _input_lines(run.get("inputs"))
    lines += _row_lines(run.get("rows"))
    lines += [_line(key, value) for key, value in values.items() if key not in shown]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- command line


def _cmd_list(args: argparse.Namespace) -> int:
    sidecar = read_sidecar(args.png)
    for entry in sidecar.manifest["files"]:
        print(f"{entry['name']}\t{entry.get('kind', '?')}\t{entry.get('bytes', '?')}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    _, content = verified_file(read_sidecar(args.png), args.name)
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()
    return 0


def _cmd_provenance(args: argparse.Namespace) -> int:
    sys.stdout.write(format_provenance(args.png, read_sidecar(args.png)))
    sys.stdout.flush()
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    written = extract(args.png, args.out)
    print(f"extracted {len(written)} files into {args.out}")
    return 0


def _add_png_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("png", type=Path, metavar="FIGURE.png", help="a Trace Atlas figure")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sidecar.py",
        description=(
            "Read the files embedded in a self-contained Trace Atlas figure: the README, "
            "docs, output tables (CSV/Markdown/LaTeX), the run's provenance "
            "(run_manifest.json) and the source code that drew it. Each file sits in a "
            "compressed PNG text chunk, listed in a JSON manifest with its size and sha256."
        ),
        epilog="example: sidecar.py provenance output/cache_hit_ratio/"
        "cache_hit_ratio_histogram.png",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_list = sub.add_parser(
        "list", help="list embedded files: name, kind, size in bytes (tab-separated)"
    )
    _add_png_argument(p_list)
    p_list.set_defaults(func=_cmd_list)
    p_show = sub.add_parser(
        "show",
        help="print one embedded file to standard output",
        description="Print one embedded file, byte for byte, after checking its sha256.",
    )
    _add_png_argument(p_show)
    p_show.add_argument(
        "name",
        metavar="NAME",
        help="embedded name as printed by 'list', or its last part when that is unique "
        "(run_manifest.json for output/run_manifest.json)",
    )
    p_show.set_defaults(func=_cmd_show)
    p_prov = sub.add_parser(
        "provenance",
        help="say which run drew the figure: inputs (size, sha256), rows, engine, versions, "
        "dbt invocation, times, git commit",
        description="Print the embedded run_manifest.json readably (checked against its sha256).",
    )
    _add_png_argument(p_prov)
    p_prov.set_defaults(func=_cmd_provenance)
    p_extract = sub.add_parser(
        "extract",
        help="write every embedded file under a folder, keeping relative paths",
        description=(
            "Write every embedded file under DIR (created if needed). Names that would "
            "escape DIR are refused and every sha256 is checked before anything is written."
        ),
    )
    _add_png_argument(p_extract)
    p_extract.add_argument(
        "-o", "--out", type=Path, required=True, metavar="DIR", help="folder to extract into"
    )
    p_extract.set_defaults(func=_cmd_extract)
    return parser


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `list ... | head` ends quietly
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SidecarError as exc:
        print(f"sidecar.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
