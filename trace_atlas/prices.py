"""The price table of a run: the seed model_prices, or the user's file (PRICES, docs/outputs.md)
checked line by line before dbt starts and handed to the models as the dbt var ``prices``."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from trace_atlas import PROJECT_DIR, UserError

SEED = PROJECT_DIR / "seeds" / "model_prices.csv"
COLUMNS = (
    "provider", "model", "match", "match_order", "applies_from", "input_per_mtok",
    "cache_write_5m_per_mtok", "cache_write_1h_per_mtok", "cache_read_per_mtok", "output_per_mtok",
)  # fmt: skip
REQUIRED = ("model", "match", "match_order", "applies_from", "input_per_mtok")
REQUIRED += ("cache_read_per_mtok", "output_per_mtok")
RATES = tuple(column for column in COLUMNS if column.endswith("_per_mtok"))
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


class PriceError(UserError):
    """A price file the user can fix: the message names the file and the line."""


@dataclass
class PriceTable:
    """Which price table a run uses; `rows` are None for the seed."""

    path: Path = SEED
    sha256: str = ""
    rows: list[dict[str, str]] | None = None

    def describe(self) -> dict:
        """What run_manifest.json says of it."""
        source = "seed" if self.rows is None else "file"
        return {"source": source, "path": str(self.path), "sha256": self.sha256}

    def dbt_vars(self) -> list[str]:
        """The dbt arguments handing the rows over (none for the seed)."""
        return [] if self.rows is None else ["--vars", json.dumps({"prices": self.rows})]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_table() -> PriceTable:
    return PriceTable(SEED, sha256_of(SEED))


def read(text_path: str) -> PriceTable:
    """The user's price file, checked; a PriceError on the first bad line."""
    path = Path(text_path)
    if not path.is_file():
        raise PriceError(f"PRICES={text_path}: no such file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PriceError(f"{path}: cannot be read as UTF-8 text ({error}).") from None
    lines = list(csv.reader(text.splitlines()))
    if not lines:
        raise PriceError(f"{path}: empty; the first line names the columns.")
    header = [name.strip() for name in lines[0]]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise PriceError(f"{path}, line 1: missing column(s) {', '.join(missing)}.")
    rows, orders = [], set()
    for number, values in enumerate(lines[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            found = f"{len(values)} values for {len(header)} columns"
            raise PriceError(f"{path}, line {number}: {found}.")
        row = {name: value.strip() for name, value in zip(header, values, strict=True)}
        check_row(row, f"{path}, line {number}")
        if row["match_order"] in orders:
            raise PriceError(f"{path}, line {number}: match_order {row['match_order']} repeats.")
        orders.add(row["match_order"])
        rows.append({column: row[column] for column in COLUMNS})
    if not rows:
        raise PriceError(f"{path}: no price rows.")
    return PriceTable(path.resolve(), sha256_of(path), rows)


def check_row(row: dict[str, str], where: str) -> None:
    for column in REQUIRED:
        if not row[column]:
            raise PriceError(f"{where}: {column} is empty.")
    if row["match"] not in ("exact", "family"):
        raise PriceError(f"{where}: match is {row['match']!r}, not exact or family.")
    if not row["match_order"].isdigit():
        raise PriceError(f"{where}: match_order {row['match_order']!r} is not a whole number.")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["applies_from"]):
            raise ValueError
        date.fromisoformat(row["applies_from"])
    except ValueError:
        message = f"applies_from {row['applies_from']!r} is not a date (YYYY-MM-DD)."
        raise PriceError(f"{where}: {message}") from None
    for column in RATES:
        if row[column] and not NUMBER.match(row[column]):
            raise PriceError(f"{where}: {column} {row[column]!r} is not a number (USD per MTok).")
