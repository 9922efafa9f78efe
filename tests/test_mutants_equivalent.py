"""The reviewed equivalent mutants (tools/mutants_equivalent.txt) still name code that exists:
an entry whose lines were edited matches no mutant and must be reviewed again, instead of
silently covering nothing (or, keyed by line number, whatever code moved onto its line)."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR / "tools"))

import mutate_sql  # noqa: E402


def test_every_sql_equivalent_names_a_mutant_of_todays_code():
    known = mutate_sql.read_equivalent()
    names = mutate_sql.equivalent_names(mutate_sql.enumerate_mutants(PROJECT_DIR))
    assert len(known) > 40
    assert mutate_sql.stale_equivalents(known, names) == []


def test_an_edited_line_makes_its_entry_stale():
    mutants = mutate_sql.enumerate_mutants(PROJECT_DIR)
    names = mutate_sql.equivalent_names(mutants)
    file, operator, text = next(iter(mutate_sql.read_equivalent()))
    edited = {key: (f, o, t + " -- edited") if (f, o, t) == (file, operator, text) else (f, o, t)
              for key, (f, o, t) in names.items()}  # fmt: skip
    stale = mutate_sql.stale_equivalents({(file, operator, text): "reason"}, edited)
    assert stale == [(file, operator, text)]


def test_the_same_lines_in_two_places_are_told_apart():
    twice = [
        mutate_sql.Mutant("m.sql", "where", line, ("    where a and b",), ("    where a",))
        for line in (12, 30)
    ]
    names = mutate_sql.equivalent_names(twice)
    assert [names[m.key][2] for m in twice] == ["where a and b #1", "where a and b #2"]
