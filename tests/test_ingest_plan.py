"""The runner's incremental plan (trace_atlas/ingest_plan.py) and the line census of the fast
reader (trace_atlas/input_files.py), without dbt: what is read, kept and dropped, when a build is
up to date, and how lines are counted byte by byte."""

from __future__ import annotations

import gzip
import hashlib
import locale
import os
import time
from pathlib import Path

import pytest
from trace_atlas import ingest_plan, input_files

SETTINGS = {"on_bad_lines": "strict"}


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def built(database: Path, files: list[str], **options) -> ingest_plan.IngestPlan:
    """Plan, then record the build as the runner does after a successful dbt build."""
    plan = ingest_plan.make_plan(files, database, SETTINGS, **options)
    ingest_plan.record_build(database, plan, dict.fromkeys(files, 1))
    return plan


def test_a_new_database_reads_everything(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{name}.jsonl", "{}\n") for name in "abc"]
    plan = ingest_plan.make_plan(files, tmp_path / "db.duckdb", SETTINGS)
    assert plan.files("read") == files and plan.full_refresh and not plan.up_to_date
    assert plan.reason == "first build of this database"
    assert plan.summary() == "3 to read, 0 unchanged (first build of this database)"


def test_unchanged_files_are_kept_and_a_second_run_is_up_to_date(tmp_path: Path) -> None:
    database = tmp_path / "db.duckdb"
    files = [write(tmp_path / f"{name}.jsonl", "{}\n") for name in "ab"]
    built(database, files)
    again = ingest_plan.make_plan(files, database, SETTINGS)
    assert again.files("keep") == files and not again.files("read") and again.up_to_date
    other_settings = ingest_plan.make_plan(files, database, {"on_bad_lines": "quarantine"})
    assert not other_settings.up_to_date  # same files, another build


def test_the_plan_file_holds_each_file_with_its_action_and_state(tmp_path: Path) -> None:
    """trace_plan.csv, which the SQL reads: a header, then one row per file in path order with its
    action, whether it is on disk, and its size, modification time and fingerprint (sha256 of the
    size and the bytes of a small file); a file gone from disk but kept (KEEP_HISTORY) carries the
    state recorded when it was read. The folder is created when missing."""
    database = tmp_path / "db.duckdb"
    a, b = (write(tmp_path / f"{name}.jsonl", '{"x": 1}\n' * n) for name, n in (("a", 2), ("b", 3)))
    built(database, [a, b], keep_history=True)

    def state(path: str) -> list[str]:
        size, data = os.stat(path).st_size, Path(path).read_bytes()
        digest = hashlib.sha256(str(size).encode() + data).hexdigest()
        return [str(size), str(os.stat(path).st_mtime_ns), digest]

    b_state = state(b)
    Path(b).unlink()
    c = write(tmp_path / "c.jsonl", "{}\n")
    plan = ingest_plan.make_plan([c, a], database, SETTINGS, keep_history=True)
    target = tmp_path / "plan" / "nested" / "trace_plan.csv"
    plan.write_csv(target)
    assert target.read_text(encoding="utf-8").splitlines() == [
        "source_file,action,on_disk,size_bytes,modified_ns,fingerprint,lines_kept",
        ",".join([a, "keep", "true", *state(a), ""]),
        ",".join([b, "keep", "false", *b_state, ""]),
        ",".join([c, "read", "true", *state(c), ""]),
    ]


def test_a_kept_file_keeps_its_line_count_and_ingestion_time(tmp_path: Path) -> None:
    """The inventory after a build that reads one file and keeps another: the kept file's line
    count and ingestion time are the ones recorded when it was read; the read file's are new."""
    database = tmp_path / "db.duckdb"
    a = write(tmp_path / "a.jsonl", "{}\n")
    ingest_plan.record_build(database, ingest_plan.make_plan([a], database, SETTINGS), {a: 1})
    first = ingest_plan.load_recorded(database).files[a]
    b = write(tmp_path / "b.jsonl", "{}\n{}\n")
    plan = ingest_plan.make_plan([a, b], database, SETTINGS)
    assert plan.actions == {a: "keep", b: "read"}
    time.sleep(0.01)
    ingest_plan.record_build(database, plan, {b: 2})
    files = ingest_plan.load_recorded(database).files
    assert (files[a]["line_count"], files[a]["ingested_at"]) == (1, first["ingested_at"])
    assert files[b]["line_count"] == 2 and files[b]["ingested_at"] > first["ingested_at"]


def test_new_grown_rewritten_and_deleted_files(tmp_path: Path) -> None:
    database = tmp_path / "db.duckdb"
    a, b, c = (write(tmp_path / f"{name}.jsonl", '{"x": 1}\n' * 3) for name in "abc")
    built(database, [a, b, c])
    with open(a, "a", encoding="utf-8") as grown:
        grown.write('{"x": 2}\n')
    stat = os.stat(b)
    write(Path(b), '{"y": 1}\n' * 3)  # same size, same time, other bytes
    os.utime(b, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    d = write(tmp_path / "d.jsonl", "{}\n")
    plan = ingest_plan.make_plan([a, b, d], database, SETTINGS)
    assert plan.actions == {a: "read", b: "read", d: "read", c: "drop"}
    assert not plan.full_refresh and not plan.up_to_date
    assert plan.summary() == "3 to read, 0 unchanged, 1 gone, dropped"


def test_a_log_that_only_grew_is_read_from_its_last_line_on(tmp_path: Path) -> None:
    """Raw logs (grow=True, every file read hashed whole): a file appended to keeps all its
    lines but the last one read (it may have been half-written), past the hash's chunk and the
    fingerprint's edges; a file that grew after an edit of its old bytes (even in the middle,
    same first and last 64 KiB), that shrank, or whose line count is not on record (the reader
    skipped a line of it) is read whole; so is every file of a full refresh."""
    database = tmp_path / "db.duckdb"
    body = "".join(f'{{"n": {n:07d}}}\n' for n in range(150_000))  # 2.4 MB
    grown, edited, shrunk, unknown, same = (
        write(tmp_path / f"{name}.jsonl", body) for name in ("a", "b", "c", "d", "e")
    )
    files = [grown, edited, shrunk, unknown, same]
    first = ingest_plan.make_plan(files, database, SETTINGS, grow=True)
    counts = {path: 150_000 for path in files if path != unknown}
    ingest_plan.record_build(database, first, counts, hashed=True)
    for path in (grown, edited):
        with open(path, "a", encoding="utf-8") as log:
            log.write('{"n": "more"}\n{"n": "half')
    middle = len(body) // 2
    with open(edited, "r+b") as log:
        log.seek(middle)
        byte = log.read(1)
        log.seek(middle)
        log.write(b"9" if byte != b"9" else b"8")
    write(Path(shrunk), body[: len(body) // 3])
    with open(unknown, "a", encoding="utf-8") as log:
        log.write("{}\n")
    plan = ingest_plan.make_plan(files, database, SETTINGS, grow=True)
    assert plan.actions == {
        grown: "grow",
        edited: "read",
        shrunk: "read",
        unknown: "read",
        same: "keep",
    }
    assert plan.lines_kept == {grown: 149_999} and not plan.up_to_date
    assert plan.summary() == "3 to read, 1 grown, read from their last line on, 1 unchanged"
    plan.write_csv(tmp_path / "plan.csv")
    rows = (tmp_path / "plan.csv").read_text(encoding="utf-8").splitlines()
    assert [row.rsplit(",", 1)[1] for row in rows] == ["lines_kept", "149999", "", "", "", ""]
    assert ingest_plan.make_plan(files, database, SETTINGS).actions[grown] == "read"
    refreshed = ingest_plan.make_plan(files, database, SETTINGS, full_refresh=True, grow=True)
    assert set(refreshed.actions.values()) == {"read"}
    # the grown file's record after its build: its new size, lines and hash, so it can grow again
    ingest_plan.record_build(database, plan, {grown: 150_002, same: 150_000}, hashed=True)
    with open(grown, "a", encoding="utf-8") as log:
        log.write('"}\n')
    again = ingest_plan.make_plan(files, database, SETTINGS, grow=True)
    assert again.actions[grown] == "grow" and again.lines_kept[grown] == 150_001
    assert again.actions[same] == "keep"
    # a file kept by a build keeps the hash of its first read, so it can grow later
    with open(same, "a", encoding="utf-8") as log:
        log.write("{}\n")
    later = ingest_plan.make_plan(files, database, SETTINGS, grow=True)
    assert later.actions[same] == "grow" and later.lines_kept[same] == 149_999


def test_a_log_of_two_lines_grows_one_of_one_line_is_read_again(tmp_path: Path) -> None:
    """The last line read is always read again: a grown file of two lines keeps one, a grown
    file of one line keeps nothing and is read whole."""
    database = tmp_path / "db.duckdb"
    one, two = write(tmp_path / "one.jsonl", "{}\n"), write(tmp_path / "two.jsonl", "{}\n{}\n")
    first = ingest_plan.make_plan([one, two], database, SETTINGS, grow=True)
    ingest_plan.record_build(database, first, {one: 1, two: 2}, hashed=True)
    for path in (one, two):
        with open(path, "a", encoding="utf-8") as log:
            log.write('{"n": 3}\n')
    plan = ingest_plan.make_plan([one, two], database, SETTINGS, grow=True)
    assert plan.actions == {one: "read", two: "grow"} and plan.lines_kept == {two: 1}


def test_the_build_key_follows_the_files_held_not_the_order_given(tmp_path: Path) -> None:
    """The build key (which tells whether OUT holds this build's outputs) is the same for the
    same files given in another order, and another when a file held changes."""
    database = tmp_path / "db.duckdb"
    a, b = (write(tmp_path / f"{name}.jsonl", "{}\n") for name in "ab")
    assert (
        ingest_plan.make_plan([a, b], database, SETTINGS).build_key
        == ingest_plan.make_plan([b, a], database, SETTINGS).build_key
    )
    before = built(database, [a, b]).build_key
    assert ingest_plan.make_plan([b, a], database, SETTINGS).build_key == before
    write(Path(a), '{"x": 1}\n')
    assert ingest_plan.make_plan([a, b], database, SETTINGS).build_key != before


def test_new_reading_rules_rebuild_even_after_a_build_of_no_file(tmp_path: Path) -> None:
    """A database whose last build read no file (an empty log folder) still records its
    reading rules: when they change, the next build is a full one, not a first one."""
    database = tmp_path / "db.duckdb"
    built(database, [])
    a = write(tmp_path / "a.jsonl", "{}\n")
    plan = ingest_plan.make_plan([a], database, SETTINGS, rules="other rules")
    assert plan.full_refresh and plan.files("read") == [a]
    assert plan.reason == "the project's reading rules changed since the last build"


def test_history_keeps_a_deleted_file_until_a_full_refresh(tmp_path: Path) -> None:
    database = tmp_path / "db.duckdb"
    a, b = (write(tmp_path / f"{name}.jsonl", "{}\n") for name in "ab")
    built(database, [a, b], keep_history=True)
    Path(b).unlink()
    plan = ingest_plan.make_plan([a], database, SETTINGS, keep_history=True)
    assert plan.actions == {a: "keep", b: "keep"} and plan.on_disk == {a: True, b: False}
    assert "1 no longer on disk, kept (KEEP_HISTORY)" in plan.summary()
    ingest_plan.record_build(database, plan, {a: 1})
    assert ingest_plan.make_plan([a], database, SETTINGS, keep_history=True).up_to_date
    refreshed = ingest_plan.make_plan([a], database, SETTINGS, True, True)
    assert refreshed.actions == {a: "read", b: "drop"}
    assert [note for note in refreshed.notes if note.startswith("1 file")], refreshed.notes
    first = ingest_plan.make_plan([a], tmp_path / "new.duckdb", SETTINGS, keep_history=True)
    assert refreshed.build_key == first.build_key, "the dropped file is not in what is built"


def test_the_version_of_project_files_follows_their_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed model, macro or seed (a folder's file or a single file named) changes the
    version; a file of another kind (notes, editor backups) does not; nor does a setting."""
    monkeypatch.setattr(ingest_plan, "PROJECT_DIR", tmp_path)
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "a.sql"
    notes = tmp_path / "models" / "notes.txt"
    single = tmp_path / "dbt_project.yml"
    for path in (model, notes, single):
        path.write_text("first\n", encoding="utf-8")
    names = ("models", "dbt_project.yml")
    first = ingest_plan.files_version(names)
    notes.write_text("second\n", encoding="utf-8")
    assert ingest_plan.files_version(names) == first
    model.write_text("second\n", encoding="utf-8")
    changed_model = ingest_plan.files_version(names)
    assert changed_model != first
    single.write_text("second\n", encoding="utf-8")
    assert ingest_plan.files_version(names) not in (first, changed_model)
    assert ingest_plan.files_version(names, ("KEEP=1",)) != ingest_plan.files_version(names)


def test_a_change_of_the_reading_rules_reads_everything_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "db.duckdb"
    files = [write(tmp_path / "a.jsonl", "{}\n")]
    built(database, files)
    monkeypatch.setattr(ingest_plan, "reading_rules_version", lambda: "other rules")
    plan = ingest_plan.make_plan(files, database, SETTINGS)
    assert plan.files("read") == files and plan.full_refresh
    assert plan.reason == "the project's reading rules changed since the last build"


def test_the_plan_file_lists_every_file_with_its_action(tmp_path: Path) -> None:
    files = [write(tmp_path / "a b.jsonl", "{}\n"), write(tmp_path / "c,'d.jsonl", "{}\n")]
    plan = ingest_plan.make_plan(files, tmp_path / "db.duckdb", SETTINGS)
    plan.write_csv(tmp_path / "plan.csv")
    import csv

    with open(tmp_path / "plan.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["source_file"] for row in rows] == sorted(files)
    assert {row["action"] for row in rows} == {"read"}
    assert [int(row["size_bytes"]) for row in rows] == [3, 3]


@pytest.mark.parametrize(
    ("data", "lines", "longest", "lone_cr"),
    [
        (b"", 0, 0, False),
        (b"{}\n", 1, 3, False),
        (b"{}", 1, 2, False),  # a last line without a line break
        (b"{}\n\n{}\n", 3, 3, False),  # a blank line counts
        (b'{"a": 1}\r\n{}\r\n', 2, 10, False),
        (b"{}\r{}\n", 1, 6, True),  # a carriage return alone
        (b"{}\n{}\r", 2, 3, True),
        (b"x" * 100 + b"\n" + b"y" * 5, 2, 101, False),
    ],
)
def test_the_census_counts_lines_as_bytes(
    tmp_path: Path, data: bytes, lines: int, longest: int, lone_cr: bool
) -> None:
    plain = tmp_path / "t.jsonl"
    plain.write_bytes(data)
    packed = tmp_path / "t.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    expected = input_files.Census(lines, longest, lone_cr)
    assert input_files.census_of(str(plain)) == expected
    assert input_files.census_of(str(packed)) == expected


def test_the_census_sees_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(input_files, "CHUNK", 4)
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"a":1}\n{}\r\n' + b"z" * 11 + b"\n{}\r")
    assert input_files.census_of(str(path)) == input_files.Census(4, 12, True)


def test_the_plan_file_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """A file name beyond ASCII is written as is, also where the locale's encoding is ASCII
    (the C locale, Python not in UTF-8 mode)."""
    name = write(tmp_path / "café-日志.jsonl", "{}\n")
    plan = ingest_plan.make_plan([name], tmp_path / "db.duckdb", SETTINGS)
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        plan.write_csv(tmp_path / "plan.csv")
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert name in (tmp_path / "plan.csv").read_text(encoding="utf-8")
