"""The input files of a run: found before anything runs (``resolve``), hashed by a background
thread while dbt builds (``Hasher``, with a cache keyed by path, size and modification time) and
described with size and sha256 for run_manifest.json."""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trace_atlas import UserError

CHUNK = 8 * 1024 * 1024


def resolve(text: str, base: Path) -> list[str]:
    """Sorted absolute paths of the files the patterns name (relative to base)."""
    patterns = [part.strip() for part in text.split(",") if part.strip()]
    if not patterns:
        raise UserError("no trace given: pass a path, a glob or a comma-separated list")
    found: set[str] = set()
    for pattern in patterns:
        full = pattern if os.path.isabs(pattern) else str(base / pattern)
        if os.path.isdir(full):
            hint = f"give the trace files in it, e.g. {pattern}/*.jsonl"
            raise UserError(f"{pattern} is a folder; {hint}")
        exists = [full] if os.path.exists(full) else []
        matches = sorted(glob.glob(full)) if glob.has_magic(full) else exists
        if not matches:
            raise UserError(f"trace {pattern} not found (no file matches it)")
        for match in matches:
            if os.path.isdir(match):
                continue
            check_not_empty(match, pattern)
            found.add(os.path.abspath(match))
    if not found:
        raise UserError(f"trace {text} matches only folders")
    return sorted(found)


def check_not_empty(path: str, pattern: str) -> None:
    if os.path.getsize(path) == 0:
        raise UserError(f"trace file {path} is empty (from {pattern})")
    if path.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as handle:
                if not handle.read(1):
                    raise UserError(f"trace file {path} is empty once decompressed")
        except (OSError, EOFError) as error:
            raise UserError(f"trace file {path} is not a readable gzip file ({error})") from None


def file_key(path: str) -> str:
    stat = os.stat(path)
    return f"{path}|{stat.st_size}|{stat.st_mtime_ns}"


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def load_cache(cache_path: Path | None) -> dict[str, str]:
    try:
        return json.loads(cache_path.read_text(encoding="utf-8")) if cache_path else {}
    except (OSError, json.JSONDecodeError):
        return {}


def save_cache(cache_path: Path, cache: dict[str, str]) -> None:
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache_path.with_name(cache_path.name + f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, cache_path)


@dataclass(frozen=True)
class Census:
    """A file's lines as bytes: how many (a last line without a break counts), the longest (its
    break included) and whether a carriage return stands alone (a break to some readers only)."""

    lines: int
    longest_line_bytes: int
    lone_carriage_return: bool


def census_of(path: str) -> Census:
    """Count a file's lines with numpy, a chunk at a time."""
    import numpy as np

    lines = longest = offset = 0
    last_break = -1  # offset of the previous line break
    lone_cr = previous_cr = False
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            data = np.frombuffer(chunk, dtype=np.uint8)
            breaks = np.flatnonzero(data == 10) + offset
            returns = np.flatnonzero(data[:-1] == 13)  # each must be followed by a line feed
            alone = (previous_cr and data[0] != 10) or np.any(data[returns + 1] != 10)
            lone_cr = lone_cr or bool(alone)
            previous_cr = bool(data[-1] == 13)
            if breaks.size:
                gaps = np.diff(breaks, prepend=last_break)
                longest = max(longest, int(gaps.max()))
                last_break = int(breaks[-1])
                lines += int(breaks.size)
            offset += len(chunk)
    if offset > last_break + 1:  # a last line without a line break
        lines += 1
        longest = max(longest, offset - last_break - 1)
    return Census(lines, longest, lone_cr or previous_cr)


class Hasher(threading.Thread):
    """Hashes files into the cache and takes the census of `census_paths`, in the background."""

    def __init__(
        self, paths: list[str], cache_path: Path, census_paths: list[str] | None = None
    ) -> None:
        super().__init__(name="input-hasher", daemon=True)
        self.paths = paths
        self.cache_path = cache_path
        self.census_paths = set(census_paths or [])
        self.census: dict[str, Census] = {}
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            cache = load_cache(self.cache_path)
            for path in self.paths:
                if path in self.census_paths:
                    self.census[path] = census_of(path)
                key = file_key(path)
                if key not in cache:
                    cache[key] = sha256_of(path)
            save_cache(self.cache_path, cache)
        except Exception as error:  # reported by describe(), which hashes what is missing
            self.error = error


def describe(paths: list[str], cache_path: Path | None) -> list[dict[str, Any]]:
    """Path, size and sha256 of each input file (hashing what the cache lacks)."""
    cache = load_cache(cache_path)
    described = []
    for path in paths:
        if not os.path.isfile(path):
            described.append({"path": path, "size": None, "sha256": None})
            continue
        key = file_key(path)
        digest = cache.get(key) or sha256_of(path)
        cache[key] = digest
        described.append({"path": path, "size": os.path.getsize(path), "sha256": digest})
    if cache_path is not None and described:
        save_cache(cache_path, cache)
    return described


def from_database(reader: Any, manifest: dict) -> list[str]:
    """The input files a build read, as its model int_input_files lists them."""
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] == "int_input_files":
            table = node.get("alias") or node["name"]
            rows = reader.rows(node["schema"], table, ["source_file"], ["source_file"])
            return [row[0] for row in rows]
    return []
