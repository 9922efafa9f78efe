"""A user's price file (PRICES=path.csv), checked line by line before dbt starts: what is kept,
what is refused and how the refusal reads. No dbt build: these run in make mutate too."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from trace_atlas import prices

HEADER = (
    "provider,model,match,match_order,applies_from,input_per_mtok,cache_write_5m_per_mtok,"
    "cache_write_1h_per_mtok,cache_read_per_mtok,output_per_mtok"
)
GOOD = [
    "claude,claude-opus-4-8,exact,1,2026-01-01,5,6.25,10,0.5,25",
    "codex,gpt-5.1,family,2,2026-07-01,1.25,,,0.125,10",
    ",gpt-5,family,3,2026-07-01,2e0,,,0.2,16",
]


def write(folder: Path, lines: list[str], name: str = "prices.csv", bom: str = "") -> Path:
    path = folder / name
    path.write_text(bom + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(prices.PriceError) as raised:
        prices.read(str(path))
    return str(raised.value)


def test_a_good_file_is_kept_row_for_row_in_the_seed_columns(tmp_path: Path) -> None:
    reordered = "match,provider," + HEADER.replace("provider,", "").replace("match,", "", 1)
    lines = [reordered]
    for line in GOOD:
        cells = line.split(",")
        lines.append(",".join([cells[2], cells[0], cells[1], *cells[3:]]))
    path = write(tmp_path, [lines[0], " ", *lines[1:], ",,,,,,,,,"], bom="\ufeff")
    table = prices.read(str(path))
    assert table.rows == [dict(zip(prices.COLUMNS, line.split(","), strict=True)) for line in GOOD]
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert table.path == path.resolve()
    assert table.describe() == {
        "source": "file",
        "path": str(path.resolve()),
        "sha256": table.sha256,
    }
    flag, value = table.dbt_vars()
    assert flag == "--vars" and json.loads(value) == {"prices": table.rows}


def test_the_seed_is_described_as_the_seed_and_needs_no_vars() -> None:
    table = prices.seed_table()
    assert table.rows is None and table.dbt_vars() == []
    assert table.describe() == {
        "source": "seed",
        "path": str(prices.SEED),
        "sha256": hashlib.sha256(prices.SEED.read_bytes()).hexdigest(),
    }
    assert prices.SEED.read_text().splitlines()[0] == HEADER


def test_cells_are_stripped_of_spaces(tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER.replace(",", " , "), GOOD[0].replace(",", " ,")])
    assert prices.read(str(path)).rows == [
        dict(zip(prices.COLUMNS, GOOD[0].split(","), strict=True))
    ]


BAD_LINES = [
    ("claude,claude-opus-4-8,exact,9,2026-06-01,5,6.25,10,0.5", "9 values for 10 columns."),
    (",,exact,9,2026-06-01,5,6.25,10,0.5,25", "model is empty."),
    ("claude,m,,9,2026-06-01,5,6.25,10,0.5,25", "match is empty."),
    ("claude,m,exact,,2026-06-01,5,6.25,10,0.5,25", "match_order is empty."),
    ("claude,m,exact,9,,5,6.25,10,0.5,25", "applies_from is empty."),
    ("claude,m,exact,9,2026-06-01,,6.25,10,0.5,25", "input_per_mtok is empty."),
    ("claude,m,exact,9,2026-06-01,5,6.25,10,,25", "cache_read_per_mtok is empty."),
    ("claude,m,exact,9,2026-06-01,5,6.25,10,0.5,", "output_per_mtok is empty."),
    ("claude,m,prefix,9,2026-06-01,5,6.25,10,0.5,25", "match is 'prefix', not exact or family."),
    ("claude,m,exact,9.5,2026-06-01,5,6.25,10,0.5,25", "match_order '9.5' is not a whole number."),
    ("claude,m,exact,-9,2026-06-01,5,6.25,10,0.5,25", "match_order '-9' is not a whole number."),
    (
        "claude,m,exact,9,2026-13-01,5,6.25,10,0.5,25",
        "applies_from '2026-13-01' is not a date (YYYY-MM-DD).",
    ),
    (
        "claude,m,exact,9,20260601,5,6.25,10,0.5,25",
        "applies_from '20260601' is not a date (YYYY-MM-DD).",
    ),
    (
        "claude,m,exact,9,2026-06-01,five,6.25,10,0.5,25",
        "input_per_mtok 'five' is not a number (USD per MTok).",
    ),
    (
        "claude,m,exact,9,2026-06-01,5,-6.25,10,0.5,25",
        "cache_write_5m_per_mtok '-6.25' is not a number (USD per MTok).",
    ),
    (
        "claude,m,exact,9,2026-06-01,5,6.25,1.,0.5,25",
        "cache_write_1h_per_mtok '1.' is not a number (USD per MTok).",
    ),
    (
        "claude,m,exact,9,2026-06-01,5,6.25,10,0.5,25x",
        "output_per_mtok '25x' is not a number (USD per MTok).",
    ),
    ("claude,m,exact,1,2026-06-01,5,6.25,10,0.5,25", "match_order 1 repeats."),
]


@pytest.mark.parametrize(("line", "problem"), BAD_LINES)
def test_a_bad_line_is_refused_naming_the_file_and_the_line(tmp_path, line, problem) -> None:
    path = write(tmp_path, [HEADER, GOOD[0], "", line, *GOOD[1:]])
    assert refusal(path) == f"{path}, line 4: {problem}"


def test_numbers_in_every_accepted_form(tmp_path: Path) -> None:
    forms = ("0", "12", "0.125", "1e3", "1E-3", "2.5e+2")
    lines = [HEADER]
    for order, form in enumerate(forms, start=1):
        lines.append(f"claude,m{order},exact,{order},2026-06-01,{form},,,{form},{form}")
    rows = prices.read(str(write(tmp_path, lines))).rows
    assert [row["input_per_mtok"] for row in rows] == list(forms)


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ([], ": empty; the first line names the columns."),
        ([HEADER], ": no price rows."),
        ([HEADER, ",,,,,,,,,"], ": no price rows."),
        (
            [HEADER.replace(",cache_read_per_mtok", ""), "x"],
            ", line 1: missing column(s) cache_read_per_mtok.",
        ),
        (
            [HEADER.replace("provider,model", "who,what"), "x"],
            ", line 1: missing column(s) provider, model.",
        ),
    ],
)
def test_a_file_without_rows_or_columns_is_refused(tmp_path, lines, problem) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert refusal(path) == f"{path}{problem}"


def test_a_missing_or_unreadable_file_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nope.csv") == f"PRICES={tmp_path / 'nope.csv'}: no such file."
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\nclaude,caf\xe9,exact,1,2026-06-01,5,,,0.5,25\n")
    assert refusal(latin).startswith(f"{latin}: cannot be read as UTF-8 text (")
    assert isinstance(prices.PriceError("x"), prices.UserError)
