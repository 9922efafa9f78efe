"""The sidecar's smaller promises: an atomic write stays beside its target, a mismatch names
both digests alike, the manifest chunk is a plain keyword, the provenance reads plainly, and a
file chunk written without a translated keyword is still found by its keyword."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from trace_atlas import sidecar as png_sidecar


def test_the_temporary_file_is_written_beside_its_target(tmp_path: Path) -> None:
    """The rename over the target is atomic only within one folder (one file system)."""
    target = tmp_path / "folder" / "figure.png"
    target.parent.mkdir()
    seen: list[Path] = []

    def write(temporary: Path) -> None:
        seen.append(temporary)
        temporary.write_bytes(b"new")

    png_sidecar.write_atomically(target, write)
    assert [path.parent for path in seen] == [target.parent]
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["figure.png"]


def test_a_mismatch_names_both_digests_alike(tmp_path: Path) -> None:
    written, found = b"hello\n", b"jello\n"
    entry = {"name": "a.txt", "bytes": len(written)}
    entry["sha256"] = hashlib.sha256(written).hexdigest()
    with pytest.raises(png_sidecar.SidecarError) as raised:
        png_sidecar.verify_entry(entry, found)
    message = str(raised.value)
    listed, embedded = entry["sha256"], hashlib.sha256(found).hexdigest()
    assert f"(manifest {listed[:12]}…, embedded {embedded[:12]}…)" in message


def test_the_manifest_chunk_has_no_translated_keyword(tmp_path: Path) -> None:
    """An iTXt chunk's translated keyword translates the keyword itself; the manifest's
    keyword is not translated (each file's chunk carries the file's name there instead)."""
    files = {"output/a.csv": b"a,b\n1,2\n"}
    info = png_sidecar.sidecar_pnginfo(files, {"output/a.csv": "data"}, {})
    Image.new("RGB", (2, 2), "white").save(tmp_path / "f.png", format="PNG", pnginfo=info)
    with Image.open(tmp_path / "f.png") as image:
        chunks = dict(image.text)
    manifest = chunks.pop(png_sidecar.MANIFEST_KEYWORD)
    assert (manifest.lang, manifest.tkey) == ("", "")
    assert [chunk.tkey for chunk in chunks.values()] == ["output/a.csv"]


def test_a_chunk_without_a_translated_keyword_is_named_by_its_keyword(tmp_path: Path) -> None:
    """A file written as a compressed text chunk (zTXt, which has no translated keyword) is
    read under the name its keyword gives."""
    content = b"x,y\n3,4\n"
    entry = {"name": "output/b.csv", "kind": "data", "bytes": len(content)}
    entry |= {"sha256": hashlib.sha256(content).hexdigest(), "encoding": "utf-8"}
    info = PngInfo()
    info.add_text(png_sidecar.KEYWORD_PREFIX + "output/b.csv", content.decode(), zip=True)
    info.add_itxt(png_sidecar.MANIFEST_KEYWORD, json.dumps({"files": [entry]}), zip=True)
    Image.new("RGB", (2, 2), "white").save(tmp_path / "z.png", format="PNG", pnginfo=info)
    read = png_sidecar.read_sidecar(tmp_path / "z.png")
    assert read.files == {"output/b.csv": content}
    png_sidecar.verify(read)


def test_provenance_reads_plainly(tmp_path: Path) -> None:
    """The run's facts one a line; the input files counted, then each with its size and sha256;
    a fact the run did not record (null) shown as a dash."""
    run = {
        "experiment": "prefix-cache hit ratio",
        "git_commit": None,
        "inputs": [
            {"path": "data/a.jsonl", "size": 1234567, "sha256": "ab" * 32},
            {"path": "data/b.jsonl", "size": None, "sha256": "cd" * 32},
        ],
    }
    content = json.dumps(run).encode()
    name = f"output/{png_sidecar.RUN_MANIFEST_NAME}"
    info = png_sidecar.sidecar_pnginfo({name: content}, {name: "provenance"}, {})
    Image.new("RGB", (2, 2), "white").save(tmp_path / "p.png", format="PNG", pnginfo=info)
    lines = png_sidecar.provenance(tmp_path / "p.png").splitlines()
    assert [line.split() for line in lines[1:]] == [
        ["experiment", "prefix-cache", "hit", "ratio"],
        ["git_commit", "-"],
        ["input", "files", "2"],
        ["data/a.jsonl"],
        ["1,234,567", "bytes", "sha256", "ab" * 32],
        ["data/b.jsonl"],
        ["-", "bytes", "sha256", "cd" * 32],
    ]
