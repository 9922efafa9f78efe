"""spark_trace_lines_from (macros/spark/read_trace.sql): every physical line of the trace files,
in file order then line order, with the numbering DuckDB's reader gives, even when Spark splits
a plain file into many partitions and packs files by size."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import jinja2

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


def lines_macro():
    """spark_trace_lines_from as a callable; dbt's return() is emulated by printing the value,
    which is what the macro's callers see for a text result."""
    source = (PROJECT_DIR / "macros" / "spark" / "read_trace.sql").read_text(encoding="utf-8")
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["return"] = lambda value: value
    return environment.from_string(source).module.spark_trace_lines_from


def expected_lines(path: Path) -> list[str | None]:
    """The lines DuckDB's reader gives for a file with LF or CRLF line ends: a leading BOM
    removed, an empty line as NULL."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8").removeprefix("\ufeff")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") or None for line in lines]


def write_trace(path: Path, rng: random.Random, count: int, line_end: str = "\n") -> None:
    lines = []
    for index in range(count):
        if rng.random() < 0.03:
            lines.append("")
        else:
            padding = "x" * rng.randrange(0, 400)
            lines.append(f'{{"file": "{path.name}", "line": {index}, "pad": "{padding}"}}')
    text = line_end.join(lines) + line_end
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8", newline="")


def test_lines_in_file_then_line_order_across_splits(spark, tmp_path: Path) -> None:
    rng = random.Random(7)
    files = [
        tmp_path / "a-large.jsonl",  # ~3 MB: split into many partitions
        tmp_path / "b-part.jsonl.gz",  # gzip: one partition, read whole
        tmp_path / "c-small.jsonl",
        tmp_path / "d crlf it's.jsonl",  # CRLF, a BOM, a quote and a space in the name
        tmp_path / "e-part.jsonl.gz",
    ]
    write_trace(files[0], rng, 15_000)
    write_trace(files[1], rng, 4_000)
    write_trace(files[2], rng, 10)
    write_trace(files[3], rng, 500, line_end="\r\n")
    files[3].write_bytes(b"\xef\xbb\xbf" + files[3].read_bytes() + b"\r\n")
    write_trace(files[4], rng, 3_000)

    expected = []
    for path in files:
        expected += [(str(path), line) for line in expected_lines(path)]

    previous = {
        key: spark.conf.get(key)
        for key in ["spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes"]
    }
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(256 * 1024))
    spark.conf.set("spark.sql.files.openCostInBytes", str(64 * 1024))
    try:
        relation = lines_macro()([str(path) for path in files])
        frame = spark.sql(f"select source_file, input_row, line_text from {relation} as lines")
        assert frame.rdd.getNumPartitions() >= 1
        rows = frame.orderBy("input_row").collect()
        splits = spark.sql(
            f"select count(distinct _metadata.file_block_start) from text.`{files[0]}`"
        ).collect()[0][0]
    finally:
        for key, value in previous.items():
            spark.conf.set(key, value)

    assert splits > 5, "the large file should have been read in several splits"
    assert [row["input_row"] for row in rows] == list(range(1, len(expected) + 1))
    got = [(row["source_file"], row["line_text"]) for row in rows]
    assert got == expected
