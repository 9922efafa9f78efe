"""Self-contained figures: round trip, listing, and refusal of hostile or altered PNGs."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, PngImagePlugin
from PIL.PngImagePlugin import PngInfo
from trace_atlas import sidecar as png_sidecar
from trace_atlas.cli import main as trace_atlas

FIGURES = ("cache_hit_ratio_histogram.png", "cache_hit_ratio_append_weighted_histogram.png")
EXPORT = "cache_hit_ratio_histogram_data.csv"
SCRIPTS = Path(png_sidecar.__file__).resolve().parent
PROJECT_DIR = SCRIPTS.parent


def sidecar(*args: object):
    """`trace-atlas sidecar ARGS`, in this process."""
    return CliRunner().invoke(trace_atlas, ["sidecar", *map(str, args)])


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(path: Path, files: dict[str, bytes]) -> Path:
    """A 2 x 2 PNG carrying ``files`` (kind data), the way the figures embed them."""
    info = png_sidecar.sidecar_pnginfo(files, dict.fromkeys(files, "data"), {})
    Image.new("RGB", (2, 2), "white").save(path, format="PNG", pnginfo=info)
    return path


def craft(path: Path, manifest_files: dict[str, bytes], chunk_files: dict[str, bytes]) -> Path:
    """A PNG whose manifest describes ``manifest_files`` but whose chunks hold ``chunk_files``,
    written with Pillow alone (no name is checked): a hostile or tampered figure."""
    info = PngInfo()
    for number, (name, content) in enumerate(chunk_files.items()):
        info.add_itxt(f"trace-atlas:{number}", content.decode(), tkey=name, zip=True)
    entries = [
        {"name": name, "kind": "data", "bytes": len(content), "encoding": "utf-8"}
        | {"sha256": hashlib.sha256(content).hexdigest()}
        for name, content in manifest_files.items()
    ]
    info.add_itxt(png_sidecar.MANIFEST_KEYWORD, json.dumps({"files": entries}), zip=True)
    Image.new("RGB", (2, 2), "white").save(path, format="PNG", pnginfo=info)
    return path


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())


def expected_names(kit) -> set[str]:
    outputs = {f"output/{name}" for name in [*kit.output_files, EXPORT]}
    return {*kit.project_files, *outputs, "trace_atlas/figures.py", "trace_atlas/sidecar.py"}


def source_of(rendered, name: str) -> Path:
    """Where an embedded name comes from: the output folder, the package or the project."""
    if name.startswith("output/"):
        return rendered.out / name.removeprefix("output/")
    if name.startswith("trace_atlas/"):
        return SCRIPTS / name.removeprefix("trace_atlas/")
    return rendered.project / name


def split_names(rendered, figure: Path) -> tuple[set[str], set[str]]:
    """(embedded names, names too large to embed); each of the latter named with the sha256 of
    its source (a file over 1 MiB, e.g. a package file inflated by a mutation tool)."""
    manifest = png_sidecar.read_sidecar(figure).manifest
    for entry in manifest["not_embedded"]:
        source = source_of(rendered, entry["name"]).read_bytes()
        assert len(source) > 1024 * 1024 and entry["bytes"] == len(source)
        assert entry["sha256"] == hashlib.sha256(source).hexdigest()
    embedded = {entry["name"] for entry in manifest["files"]}
    return embedded, {entry["name"] for entry in manifest["not_embedded"]}


@pytest.mark.parametrize("figure", FIGURES)
def test_extract_round_trips_every_output_byte_for_byte(
    rendered, kit, figure: str, tmp_path: Path
) -> None:
    assert sidecar("extract", rendered.out / figure, "-o", tmp_path).exit_code == 0
    outputs = [p for p in rendered.out.iterdir() if p.suffix in (".csv", ".md", ".tex")]
    assert {p.name for p in outputs} >= {EXPORT, "cache_hit_ratio_summary.csv"}
    embedded, named = split_names(rendered, rendered.out / figure)
    assert embedded | named == expected_names(kit) and not embedded & named
    assert {f"output/{p.name}" for p in outputs} <= embedded, "the fixture's outputs are small"
    for name in embedded:
        assert (tmp_path / name).read_bytes() == source_of(rendered, name).read_bytes(), name
    assert {p.relative_to(tmp_path).as_posix() for p in files_under(tmp_path)} == embedded


def test_list_shows_exactly_the_manifest_names(rendered, kit) -> None:
    figure = rendered.out / FIGURES[0]
    manifest = png_sidecar.read_sidecar(figure).manifest
    listed = sidecar("list", figure)
    assert listed.exit_code == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    files, named = manifest["files"], manifest["not_embedded"]
    assert [r[0] for r in rows] == [e["name"] for e in files] + [e["name"] for e in named]
    assert {r[0] for r in rows} == expected_names(kit)
    assert [(r[1], int(r[2])) for r in rows] == [(e["kind"], e["bytes"]) for e in files] + [
        ("not-embedded", e["bytes"]) for e in named
    ]


def test_manifest_kinds_encodings_and_source_sql(rendered) -> None:
    manifest = png_sidecar.read_sidecar(rendered.out / FIGURES[1]).manifest
    entries = {e["name"]: e for e in manifest["files"]}
    assert manifest["sql"] == "source"
    assert manifest["figure"] == FIGURES[1]
    assert entries["README.md"]["kind"] == "readme"
    assert entries["models/marts/prefix_cache/_prefix_cache__docs.md"]["kind"] == "docs"
    assert entries[f"output/{EXPORT}"]["kind"] == "data"
    assert entries["macros/percentile_linear.sql"]["kind"] == "code"
    assert entries["seeds/hit_ratio_bins.csv"]["kind"] == "code"
    assert entries["output/latin1_not_utf8.csv"]["encoding"] == "base64"
    assert entries["output/cache_hit_ratio_summary.csv"]["encoding"] == "utf-8"


def test_show_prints_the_exact_bytes(rendered, kit) -> None:
    shown = sidecar("show", rendered.out / FIGURES[0], "output/cache_hit_ratio_summary.csv")
    assert shown.exit_code == 0
    assert shown.stdout_bytes == kit.output_files["cache_hit_ratio_summary.csv"]


HOSTILE = ["../evil.txt", "/tmp/abs.txt", "a/../../x", "C:/evil.txt", "a\\..\\evil.txt", ""]


@pytest.mark.parametrize("name", HOSTILE)
def test_extract_refuses_names_that_escape(tmp_path: Path, name: str) -> None:
    abs_before = Path("/tmp/abs.txt").exists() and Path("/tmp/abs.txt").stat().st_mtime_ns
    files = {"fine.txt": b"ok\n", name: b"pwned\n"}
    figure = craft(tmp_path / "evil.png", files, files)
    target = tmp_path / "deep" / "target"
    refused = sidecar("extract", figure, "-o", target)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: refusing unsafe embedded name")
    assert files_under(tmp_path) == [figure], "nothing may be written, not even fine.txt"
    abs_after = Path("/tmp/abs.txt").exists() and Path("/tmp/abs.txt").stat().st_mtime_ns
    assert abs_after == abs_before


def test_extract_refuses_the_three_classic_escapes_together(tmp_path: Path) -> None:
    files = {n: b"x" for n in ("../evil.txt", "/tmp/abs.txt", "a/../../x")}
    figure = craft(tmp_path / "evil.png", files, files)
    with pytest.raises(png_sidecar.SidecarError, match="unsafe"):
        png_sidecar.extract(figure, tmp_path / "target")
    assert files_under(tmp_path) == [figure]


def test_extract_refuses_escape_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    target = tmp_path / "target"
    outside.mkdir()
    target.mkdir()
    (target / "link").symlink_to(outside, target_is_directory=True)
    files = {"link/planted.txt": b"x"}
    figure = craft(tmp_path / "sym.png", files, files)
    with pytest.raises(png_sidecar.SidecarError, match="outside"):
        png_sidecar.extract(figure, target)
    assert list(outside.iterdir()) == []


def test_sha_mismatch_is_detected_and_nothing_written(tmp_path: Path) -> None:
    figure = craft(tmp_path / "tampered.png", {"a.txt": b"hello\n"}, {"a.txt": b"jello\n"})
    target = tmp_path / "target"
    for args in (("extract", figure, "-o", target), ("show", figure, "a.txt")):
        refused = sidecar(*args)
        assert refused.exit_code == 1 and "sha256 mismatch" in refused.stderr, args
        assert refused.stdout == ""
    assert not target.exists() or files_under(target) == []


def test_manifest_and_chunks_must_agree(tmp_path: Path) -> None:
    figure = craft(tmp_path / "extra.png", {"a.txt": b"a"}, {"a.txt": b"a", "b.txt": b"b"})
    with pytest.raises(png_sidecar.SidecarError) as raised:
        png_sidecar.extract(figure, tmp_path / "target")
    assert raised.value.message.endswith(
        "listed without a chunk: none; chunks not listed in the manifest: b.txt"
    )
    figure = craft(tmp_path / "less.png", {"a.txt": b"a", "c.txt": b"c"}, {"a.txt": b"a"})
    with pytest.raises(png_sidecar.SidecarError) as raised:
        png_sidecar.extract(figure, tmp_path / "target")
    assert raised.value.message.endswith(
        "listed without a chunk: c.txt; chunks not listed in the manifest: none"
    )


def test_clear_errors_without_traceback(rendered, tmp_path: Path) -> None:
    not_png = tmp_path / "notes.png"
    not_png.write_text("hello")
    plain = tmp_path / "plain.png"
    plain.write_bytes(tiny_png())
    cases = [
        (["list", str(not_png)], "not a PNG"),
        (["list", str(plain)], "no trace-atlas:manifest.json"),
        (["show", str(rendered.out / FIGURES[0]), "nope.txt"], "no embedded file named"),
        (["list", str(tmp_path / "missing.png")], "cannot read"),
    ]
    for args, message in cases:
        result = subprocess.run(
            [sys.executable, "-m", "trace_atlas", "sidecar", *args],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1, args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr


def test_names_are_checked_when_embedding(tmp_path: Path) -> None:
    for name in ("../x", "a//b", "./a", "a/.", "C:x", "a\\b", "tab\there", "/abs", "a/"):
        with pytest.raises(png_sidecar.SidecarError, match="unsafe"):
            save_png(tmp_path / "f.png", {name: b""})
    assert not (tmp_path / "f.png").exists()
    save_png(tmp_path / "f.png", {"a/.hidden": b"", "...": b"", "a b/c.d": b""})


# ---------------------------------------------------------------- provenance


def test_run_manifest_is_embedded_as_provenance(rendered, kit) -> None:
    for figure in FIGURES:
        sidecar = png_sidecar.read_sidecar(rendered.out / figure)
        entries = {e["name"]: e for e in sidecar.manifest["files"]}
        assert entries["output/run_manifest.json"]["kind"] == "provenance"
        assert sidecar.files["output/run_manifest.json"] == kit.output_files["run_manifest.json"]
        run = sidecar.manifest["run"]
        assert run["file"] == "output/run_manifest.json"
        assert run["sha256"] == entries["output/run_manifest.json"]["sha256"]
        assert run["dbt_invocation_id"] == kit.run_manifest["dbt_invocation_id"]
        assert run["git_commit"] == kit.run_manifest["git_commit"]
        assert run["inputs"] == kit.run_manifest["inputs"]
        assert list(sidecar.manifest).index("run") < list(sidecar.manifest).index("files")


def test_provenance_prints_the_run_readably(rendered, kit) -> None:
    printed = sidecar("provenance", rendered.out / FIGURES[0])
    assert printed.exit_code == 0
    out = printed.stdout
    run = kit.run_manifest
    for key in (
        "experiment",
        "dbt_invocation_id",
        "git_commit",
        "engine",
        "target",
        "dbt_version",
        "adapter",
        "adapter_version",
        "input_kind",
        "on_bad_lines",
        "started_at",
        "build_finished_at",
        "written_at",
        "fixture_note",
    ):
        assert run[key] in out, key
    for item in run["inputs"]:
        assert item["path"] in out and item["sha256"] in out
        assert f"{item['size']:,} bytes" in out
    for key, value in run["rows"].items():
        assert re.search(rf"^  {key} +{value:,}$", out, re.MULTILINE), key
    assert FIGURES[0] in out.splitlines()[0]


def test_show_finds_run_manifest_by_its_last_name(rendered, kit) -> None:
    shown = sidecar("show", rendered.out / FIGURES[1], "run_manifest.json")
    assert shown.stdout_bytes == kit.output_files["run_manifest.json"]


def test_show_refuses_an_ambiguous_last_name(tmp_path: Path) -> None:
    files = {"a/x.txt": b"a", "b/x.txt": b"b"}
    figure = craft(tmp_path / "two.png", files, files)
    refused = sidecar("show", figure, "x.txt")
    assert refused.exit_code == 1
    assert refused.stderr == "Error: 'x.txt' is ambiguous: a/x.txt, b/x.txt\n"


def test_provenance_without_a_run_manifest_is_a_clear_error(tmp_path: Path) -> None:
    files = {"output/summary.csv": b"a,b\n"}
    figure = craft(tmp_path / "old.png", files, files)
    refused = sidecar("provenance", figure)
    assert refused.exit_code == 1 and "no run_manifest.json embedded" in refused.stderr


# ---------------------------------------------------------------- Pillow layer


def test_every_file_has_its_own_keyword(rendered) -> None:
    figure = rendered.out / FIGURES[0]
    with Image.open(figure) as image:
        keywords = [k for k in image.text if k.startswith(png_sidecar.KEYWORD_PREFIX)]
        tkeys = {image.text[k].tkey for k in keywords} - {""}
    manifest = png_sidecar.read_sidecar(figure).manifest
    assert len(keywords) == len(manifest["files"]) + 1
    assert tkeys == {e["name"] for e in manifest["files"]}


def test_names_that_need_a_fallback_keyword_stay_distinct(tmp_path: Path) -> None:
    files = {
        "x/" + "long" * 30 + ".md": b"1\n",
        "y/" + "long" * 30 + ".md": b"2\n",
        "数据/表.csv": "é,1\n".encode(),
        "file-0": b"3\n",
        "file-1": b"4\n",
        "manifest.json": b"{}\n",
        "two  spaces.txt": b"5\n",
    }
    sidecar = png_sidecar.read_sidecar(save_png(tmp_path / "f.png", files))
    png_sidecar.verify(sidecar)
    assert sidecar.files == files
    keywords = png_sidecar.assign_keywords(sorted(files))
    assert len(set(keywords.values())) == len(files)
    assert png_sidecar.MANIFEST_KEYWORD not in keywords.values()
    assert keywords["file-1"] == "trace-atlas:file-1"  # readable where it can be


def test_files_beyond_pillows_default_text_limit_round_trip(tmp_path: Path) -> None:
    big = (b"step,line,reason,first 200 characters\n" + b"1,2,not_json,{\n" * 2) * 50_000
    limits = PngImagePlugin.MAX_TEXT_CHUNK, PngImagePlugin.MAX_TEXT_MEMORY
    assert len(big) > 2 * limits[0], "Pillow alone refuses a text chunk this large"
    figure = save_png(tmp_path / "big.png", {"output/rejected_lines.csv": big})
    assert png_sidecar.extract(figure, tmp_path / "x") == [tmp_path / "x/output/rejected_lines.csv"]
    assert (tmp_path / "x/output/rejected_lines.csv").read_bytes() == big
    assert limits == (PngImagePlugin.MAX_TEXT_CHUNK, PngImagePlugin.MAX_TEXT_MEMORY), "restored"


def _flip_byte_in_chunk(png: bytes, chunk_type: bytes) -> bytes:
    at = png.index(chunk_type) + 20  # inside the first such chunk's data
    return png[:at] + bytes([png[at] ^ 0xFF]) + png[at + 1 :]


def test_corrupt_and_foreign_files_are_clear_errors(rendered, tmp_path: Path) -> None:
    good = (rendered.out / FIGURES[0]).read_bytes()
    cases = {
        "truncated.png": (good[: len(good) // 2], "corrupt or truncated PNG"),
        "bad_crc.png": (_flip_byte_in_chunk(good, b"iTXt"), "corrupt or truncated PNG"),
        "bad_pixels.png": (_flip_byte_in_chunk(good, b"IDAT"), "corrupt or truncated PNG"),
        "empty.png": (b"", "not a PNG"),
    }
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="JPEG")
    cases["photo.png"] = (buffer.getvalue(), "not a PNG")
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        for command in ("list", "provenance"):
            result = sidecar(command, tmp_path / name)
            assert result.exit_code == 1, (name, command)
            assert result.exception.__class__ is SystemExit, result.exception  # no traceback
            assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    with pytest.raises(png_sidecar.SidecarError, match="cannot read"):
        png_sidecar.read_sidecar(tmp_path)


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    figure = save_png(tmp_path / "big.png", {"big.txt": b"line\n" * 400_000})
    result = subprocess.run(
        f"'{sys.executable}' -m trace_atlas sidecar show '{figure}' big.txt | head -c 5",
        shell=True,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout == "line\n"
    assert result.stderr == ""


def test_help_names_every_command() -> None:
    out = sidecar("--help").stdout
    assert all(command in out for command in ("list", "show", "provenance", "extract"))


def test_keywords_follow_the_png_rules(tmp_path: Path) -> None:
    """A file's keyword is `trace-atlas:<name>` where PNG allows it (Latin-1, printable, at most
    79 bytes, no double or trailing space; a single space is fine), else a numbered fallback."""
    names = ["a b.csv", "a  b.csv", "trailing ", "x" * 67, "x" * 68]
    assert png_sidecar.assign_keywords(names) == {
        "a b.csv": "trace-atlas:a b.csv",
        "a  b.csv": "trace-atlas:file-0",
        "trailing ": "trace-atlas:file-1",
        "x" * 67: "trace-atlas:" + "x" * 67,  # 79 bytes
        "x" * 68: "trace-atlas:file-2",  # 80
    }


def test_chunks_are_compressed_and_the_manifest_is_readable_json(tmp_path: Path) -> None:
    """Every chunk is a compressed iTXt; the manifest is indented UTF-8 JSON (names unescaped)
    that says what it is and how to read it, ending with a line feed."""
    figure = save_png(tmp_path / "f.png", {"数据.csv": "é\n".encode(), "b.md": b"x" * 5000})
    png, flags = figure.read_bytes(), []
    position = 8
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        kind, data = png[position + 4 : position + 8], png[position + 8 : position + 8 + length]
        if kind == b"iTXt":
            flags.append(data[data.index(b"\0") + 1])
        position += 12 + length
    assert flags == [1, 1, 1]
    with Image.open(figure) as image:
        text = image.text[png_sidecar.MANIFEST_KEYWORD]
    assert text.startswith('{\n  "format": "trace-atlas-png-sidecar",\n  "version": 2,\n')
    assert '"name": "数据.csv"' in text and text.endswith("}\n")
    assert json.loads(text)["read_with"].startswith("trace-atlas sidecar ")


def test_the_total_text_limit_is_inclusive(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(png_sidecar, "MAX_TOTAL_TEXT_BYTES", 10)
    files = {"a": b"12345", "b": b"67890"}
    save_png(tmp_path / "at.png", files)  # exactly the limit
    with pytest.raises(png_sidecar.SidecarError, match="too much to embed"):
        save_png(tmp_path / "over.png", files | {"c": b"1"})


def test_an_output_beyond_pillows_default_limit_is_named_not_embedded(tmp_path: Path) -> None:
    """Any Pillow opens the figure with its default text limits; the large table is named with
    its size and sha256 instead, and listed as such."""
    from tests.figures.conftest import make_project
    from trace_atlas import figures

    project, out = make_project(tmp_path)
    big = b"provider,step,reprefilled_tokens\n" + b"claude,1,12345\n" * 80_000
    assert len(big) > PngImagePlugin.MAX_TEXT_CHUNK > figures.EMBED_LIMIT_BYTES - 1
    (out / "cache_miss_ledger.csv").write_bytes(big)
    payload = figures.collect_payload(project, out)
    fig = figures.render_figure(figures.read_export(out / EXPORT), figures.FIGURES[0], 20)
    figures.save(fig, FIGURES[0], "t", "x", payload, out)
    with Image.open(out / FIGURES[0]) as image:  # Pillow's defaults, untouched
        assert image.text[png_sidecar.MANIFEST_KEYWORD]
    manifest = png_sidecar.read_sidecar(out / FIGURES[0]).manifest
    ledger = {"name": "output/cache_miss_ledger.csv", "bytes": len(big)}
    ledger["sha256"] = hashlib.sha256(big).hexdigest()
    assert ledger in manifest["not_embedded"]
    others = [entry for entry in manifest["not_embedded"] if entry != ledger]
    assert all(entry["bytes"] > figures.EMBED_LIMIT_BYTES for entry in others)
    assert not [entry for entry in others if entry["name"].startswith("output/")]
    assert "output/cache_miss_ledger.csv" not in {e["name"] for e in manifest["files"]}
    assert "output/cache_hit_ratio_summary.csv" in {e["name"] for e in manifest["files"]}
    listed = sidecar("list", out / FIGURES[0]).stdout.splitlines()
    assert f"output/cache_miss_ledger.csv\tnot-embedded\t{len(big)}\t{ledger['sha256']}" in listed
