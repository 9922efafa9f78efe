"""Self-contained PNG figures: embed files in a PNG, then list, show or extract them.

A Trace Atlas figure carries what is needed to understand and reproduce it: the
README, the docs blocks, every output table, and the source code that produced it.
This module writes those files into the PNG itself and reads them back.

Embedding format (PNG chunks inserted just before ``IEND``; image data untouched):

* One ``iTXt`` chunk per embedded file, zlib-compressed (compression flag 1).
  - keyword: ``trace-atlas:<name>`` when that fits the PNG keyword rules (Latin-1,
    at most 79 bytes), else ``trace-atlas:file`` -- the keyword is for humans and
    generic tools such as ``exiftool``;
  - translated-keyword field: the exact relative ``<name>`` in UTF-8 (authoritative);
  - language tag: empty;
  - text: the file's bytes verbatim when they are valid UTF-8 without NUL bytes
    (every file of this project), otherwise the bytes in base64. The manifest
    records which (``"encoding": "utf-8"`` or ``"base64"``), so the round trip is
    byte-identical either way.
* One ``iTXt`` chunk with keyword ``trace-atlas:manifest.json`` (empty translated
  keyword): a JSON object whose ``files`` list gives, for every embedded file, its
  ``name``, ``kind`` (``readme``, ``docs``, ``data`` or ``code``), ``bytes`` (size),
  ``sha256`` (of the original bytes) and ``encoding``, plus free-form fields the
  caller adds (e.g. ``"sql": "source"``).

Names are relative POSIX paths (``output/cache_hit_ratio_bins.csv``). ``extract``
refuses any name that could escape the target directory and verifies every sha256
before writing anything.

Command line::

    python scripts/png_sidecar.py list FIGURE.png
    python scripts/png_sidecar.py show FIGURE.png NAME
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
import struct
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD_PREFIX = "trace-atlas:"
MANIFEST_KEYWORD = KEYWORD_PREFIX + "manifest.json"
FALLBACK_KEYWORD = KEYWORD_PREFIX + "file"
MANIFEST_FORMAT = "trace-atlas-png-sidecar"
MANIFEST_VERSION = 1
KINDS = ("readme", "docs", "data", "code")
MAX_KEYWORD_BYTES = 79
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


class SidecarError(Exception):
    """A problem with a PNG or its embedded files, reported without a traceback."""


@dataclass(frozen=True)
class Chunk:
    """One raw PNG chunk: its 4-letter type and its data (CRC already checked)."""

    type: bytes
    data: bytes


@dataclass(frozen=True)
class Sidecar:
    """What a PNG carries: the manifest and each embedded file's decoded bytes."""

    manifest: dict
    files: dict[str, bytes]


# ---------------------------------------------------------------- PNG chunk layer


def parse_chunks(png: bytes) -> list[Chunk]:
    """Split PNG bytes into chunks, checking the signature, lengths and CRCs."""
    if not png.startswith(PNG_SIGNATURE):
        raise SidecarError("not a PNG file (bad signature)")
    chunks: list[Chunk] = []
    pos = len(PNG_SIGNATURE)
    while pos < len(png):
        if pos + 8 > len(png):
            raise SidecarError("truncated PNG (incomplete chunk header)")
        length, ctype = struct.unpack(">I4s", png[pos : pos + 8])
        end = pos + 8 + length + 4
        if end > len(png):
            raise SidecarError(f"truncated PNG (chunk {ctype!r} runs past end of file)")
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[end - 4 : end])
        if crc != zlib.crc32(ctype + data):
            raise SidecarError(f"corrupt PNG (CRC mismatch in chunk {ctype!r})")
        chunks.append(Chunk(ctype, data))
        pos = end
        if ctype == b"IEND":
            break
    if not chunks or chunks[-1].type != b"IEND":
        raise SidecarError("truncated PNG (no IEND chunk)")
    return chunks


def encode_chunk(ctype: bytes, data: bytes) -> bytes:
    """Serialize one PNG chunk (length, type, data, CRC)."""
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def assemble_png(chunks: list[Chunk], extra_before_iend: list[bytes]) -> bytes:
    """Rebuild a PNG from parsed chunks, inserting serialized chunks before IEND."""
    out = [PNG_SIGNATURE]
    for chunk in chunks:
        if chunk.type == b"IEND":
            out.extend(extra_before_iend)
        out.append(encode_chunk(chunk.type, chunk.data))
    return b"".join(out)


def png_size(path: Path) -> tuple[int, int]:
    """Return (width, height) in pixels from the PNG's IHDR chunk."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        raise SidecarError(f"{path}: not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


# ---------------------------------------------------------------- iTXt layer


def _keyword_for(name: str) -> str:
    """The human-readable chunk keyword for an embedded name (see module docstring)."""
    keyword = KEYWORD_PREFIX + name
    try:
        encoded = keyword.encode("latin-1")
    except UnicodeEncodeError:
        return FALLBACK_KEYWORD
    printable = all(32 <= b <= 126 or 161 <= b <= 255 for b in encoded)
    if len(encoded) > MAX_KEYWORD_BYTES or not printable or "  " in keyword or name.endswith(" "):
        return FALLBACK_KEYWORD
    return keyword


def itxt_chunk(keyword: str, translated: str, text: bytes) -> bytes:
    """Serialize a zlib-compressed iTXt chunk; ``text`` must already be UTF-8."""
    payload = b"".join(
        [
            keyword.encode("latin-1"),
            b"\x00",
            b"\x01\x00",  # compression flag: compressed; method 0: zlib
            b"\x00",  # empty language tag
            translated.encode("utf-8"),
            b"\x00",
            zlib.compress(text, 9),
        ]
    )
    return encode_chunk(b"iTXt", payload)


def decode_itxt(data: bytes) -> tuple[str, str, bytes]:
    """Return (keyword, translated keyword, text bytes) of an iTXt chunk's data."""
    try:
        keyword_raw, rest = data.split(b"\x00", 1)
        flag, method = rest[0], rest[1]
        _language, rest = rest[2:].split(b"\x00", 1)
        translated_raw, text = rest.split(b"\x00", 1)
        if flag == 1:
            if method != 0:
                raise SidecarError("iTXt chunk uses an unknown compression method")
            text = zlib.decompress(text)
        return keyword_raw.decode("latin-1"), translated_raw.decode("utf-8"), text
    except (ValueError, IndexError, zlib.error, UnicodeDecodeError) as exc:
        raise SidecarError(f"malformed iTXt chunk: {exc}") from exc


def _is_sidecar_chunk(chunk: Chunk) -> bool:
    return chunk.type == b"iTXt" and chunk.data.startswith(KEYWORD_PREFIX.encode("latin-1"))


# ---------------------------------------------------------------- names and kinds


def kind_of(name: str) -> str:
    """Classify an embedded name: readme, docs (models/**/_*docs.md), data (output/), code."""
    top, base = name.split("/")[0], PurePosixPath(name).name
    if name == "README.md":
        return "readme"
    if top == "output":
        return "data"
    if top == "models" and base.startswith("_") and base.endswith("docs.md"):
        return "docs"
    return "code"


def check_name(name: str) -> None:
    """Raise SidecarError unless ``name`` is a safe relative POSIX path."""
    problem = None
    if not name:
        problem = "empty name"
    elif "\\" in name:
        problem = "contains a backslash"
    elif "\x00" in name or any(ord(ch) < 32 for ch in name):
        problem = "contains a control character"
    elif name.startswith("/"):
        problem = "is an absolute path"
    elif _DRIVE_LETTER.match(name):
        problem = "starts with a drive letter"
    elif any(part in ("", ".", "..") for part in name.split("/")):
        problem = "has an empty, '.' or '..' path component"
    if problem:
        raise SidecarError(f"refusing unsafe embedded name {name!r}: {problem}")


# ---------------------------------------------------------------- writing


def _encode_text(content: bytes) -> tuple[bytes, str]:
    """Return the chunk text for ``content`` and its encoding name (utf-8 or base64)."""
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
            return content, "utf-8"
        except UnicodeDecodeError:
            pass
    return base64.b64encode(content), "base64"


def build_manifest(files: dict[str, bytes], kinds: dict[str, str], extra: dict) -> dict:
    """The manifest object for ``files`` (names sorted), with ``extra`` top-level fields."""
    entries = []
    for name in sorted(files):
        content = files[name]
        entries.append(
            {
                "name": name,
                "kind": kinds.get(name) or kind_of(name),
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "encoding": _encode_text(content)[1],
            }
        )
    header = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "read_with": "python scripts/png_sidecar.py list|show|extract FIGURE.png",
    }
    return {**header, **extra, "files": entries}


def sidecar_chunks(
    files: dict[str, bytes], kinds: dict[str, str] | None = None, extra: dict | None = None
) -> list[bytes]:
    """Serialized iTXt chunks for ``files`` plus their manifest. Names are NOT checked."""
    manifest = build_manifest(files, kinds or {}, extra or {})
    chunks = []
    for entry in manifest["files"]:
        text, _ = _encode_text(files[entry["name"]])
        chunks.append(itxt_chunk(_keyword_for(entry["name"]), entry["name"], text))
    manifest_text = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    chunks.append(itxt_chunk(MANIFEST_KEYWORD, "", manifest_text))
    return chunks


def default_file_mode() -> int:
    """The mode a plainly created file gets (0o666 less the umask); mkstemp uses 0o600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder + os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def embed(
    png_path: Path | str,
    files: dict[str, bytes],
    kinds: dict[str, str] | None = None,
    extra: dict | None = None,
) -> dict:
    """Embed ``files`` (relative name -> bytes) into the PNG at ``png_path``, in place.

    Any files embedded earlier by this module are replaced, so embedding twice is
    idempotent. ``kinds`` overrides ``kind_of`` per name; ``extra`` adds top-level
    manifest fields. The PNG is rewritten atomically. Returns the manifest.
    """
    for name in files:
        check_name(name)
        if KEYWORD_PREFIX + name == MANIFEST_KEYWORD:
            raise SidecarError(f"embedded name {name!r} is reserved for the manifest")
    for kind in (kinds or {}).values():
        if kind not in KINDS:
            raise SidecarError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    path = Path(png_path)
    chunks = [c for c in parse_chunks(path.read_bytes()) if not _is_sidecar_chunk(c)]
    _write_atomically(path, assemble_png(chunks, sidecar_chunks(files, kinds, extra)))
    return build_manifest(files, kinds or {}, extra or {})


# ---------------------------------------------------------------- reading


def read_sidecar(png_path: Path | str) -> Sidecar:
    """Read the manifest and every embedded file (decoded to original bytes)."""
    path = Path(png_path)
    try:
        png = path.read_bytes()
    except OSError as exc:
        raise SidecarError(f"cannot read {path}: {exc.strerror}") from exc
    manifest = None
    raw: dict[str, bytes] = {}
    for chunk in parse_chunks(png):
        if not _is_sidecar_chunk(chunk):
            continue
        keyword, translated, text = decode_itxt(chunk.data)
        if keyword == MANIFEST_KEYWORD and not translated:
            manifest = _parse_manifest(text)
            continue
        name = translated or keyword[len(KEYWORD_PREFIX) :]
        if name in raw:
            raise SidecarError(f"{path}: name {name!r} is embedded twice")
        raw[name] = text
    if manifest is None:
        raise SidecarError(f"{path}: no {MANIFEST_KEYWORD} chunk (not a self-contained figure)")
    return Sidecar(manifest, _decode_files(raw, manifest))


def _parse_manifest(text: bytes) -> dict:
    try:
        manifest = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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


# ---------------------------------------------------------------- command line


def _cmd_list(args: argparse.Namespace) -> int:
    sidecar = read_sidecar(args.png)
    for entry in sidecar.manifest["files"]:
        print(f"{entry['name']}\t{entry.get('kind', '?')}\t{entry.get('bytes', '?')}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    sidecar = read_sidecar(args.png)
    entries = {e["name"]: e for e in sidecar.manifest["files"]}
    if args.name not in entries or args.name not in sidecar.files:
        raise SidecarError(
            f"{args.png}: no embedded file named {args.name!r} (see: png_sidecar.py list)"
        )
    content = sidecar.files[args.name]
    verify_entry(entries[args.name], content)
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    written = extract(args.png, args.out)
    print(f"extracted {len(written)} files into {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="png_sidecar.py",
        description=(
            "Read the files embedded in a self-contained Trace Atlas figure: the README, "
            "docs, output tables (CSV/Markdown/LaTeX) and the source code that drew it. "
            "Each file sits in a compressed PNG text chunk, listed in a JSON manifest "
            "with its size and sha256."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_list = sub.add_parser(
        "list", help="list embedded files: name, kind, size in bytes (tab-separated)"
    )
    p_list.add_argument("png", type=Path, metavar="FIGURE.png", help="a Trace Atlas figure")
    p_list.set_defaults(func=_cmd_list)
    p_show = sub.add_parser("show", help="print one embedded file to standard output")
    p_show.add_argument("png", type=Path, metavar="FIGURE.png", help="a Trace Atlas figure")
    p_show.add_argument("name", metavar="NAME", help="embedded name as printed by 'list'")
    p_show.set_defaults(func=_cmd_show)
    p_extract = sub.add_parser(
        "extract",
        help="write every embedded file under a folder, keeping relative paths",
        description=(
            "Write every embedded file under DIR (created if needed). Names that would "
            "escape DIR are refused and every sha256 is checked before anything is written."
        ),
    )
    p_extract.add_argument("png", type=Path, metavar="FIGURE.png", help="a Trace Atlas figure")
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
        print(f"png_sidecar.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
