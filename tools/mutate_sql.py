"""Mutation testing of the SQL, the macros and the seeds: plant one small bug at a time in a
scratch copy of the project and see whether the fast tests notice.

Operators (each mutant changes one place of one file):
  compare   `<` <-> `<=`, `>` <-> `>=`
  logic     `and` <-> `or` (not the `and` of `between ... and`)
  swap      two neighbouring items of a select list exchange their expressions (names kept)
  where     one term of a `where` dropped (`where A` -> `where true`; a line `and B` removed)
  frame     a window frame edge off by one (`N preceding` -> `N+1 preceding`, `current row` ->
            `1 preceding` / `1 following`)
  order     `desc` <-> `asc`; `order by x` -> `order by x desc`
  seed      one seed cell: a number +1 in its last digit, a boolean flipped, a text changed

Spark-only code (models under `spark/` folders, `spark__` macros) is left out: the fast tests run
DuckDB only. Each mutant is judged by, in order:
  1. `dbt build --select <what the file feeds>+` on a database copied from a clean build of a
     small generated trace (edge cases included): the unit tests and data tests of the changed
     models and everything downstream;
  2. when the build passes, the outputs written from that database against the independent
     reference (tests/reference.py for a trace; tests/raw_logs_reference.py for raw agent logs,
     as tests/agent_logs/test_raw_logs_sql.py compares them; the idle-gap, thinking-time and
     bill files against tests/idle_cost_reference.py and tests/cache_bill_reference.py, as
     tests/test_idle_cost_reference.py compares them), computed in the same scratch copy.
A seed mutant meets tests/test_docs_constants.py first (the seeds against the docs and the
references' own copies). Code a build of the two inputs never runs (a generic test's failing
side, the incremental plan, strict mode's message, the branches reading a trace database)
meets the pytest tests named for its file in PYTEST_FOR. A mutant that no step notices
survives. Equivalent mutants (reviewed, no observable change) are listed in
tools/mutants_equivalent.txt and reported apart.

    python tools/mutate_sql.py [--sample N] [--seed S] [--jobs J] [--report PATH]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import difflib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DBT = str(Path(sys.executable).parent / "dbt")
EQUIVALENT_FILE = PROJECT / "tools" / "mutants_equivalent.txt"
OPERATORS = ("compare", "logic", "swap", "where", "frame", "order", "seed")
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "target", "logs", "output", "data", "bench", "mutants", "__pycache__", "*.pyc"
)
TRACE_STEPS = 1500
# Files holding code the two builds do not run, with the pytest tests that do: the generic
# tests' failing side (a clean build only passes them), a compile before the seeds are
# loaded, the runner's incremental plan (a grown raw log), the
# lines DuckDB's reader skips, Claude usages the generator never writes (a cache write split of
# nothing, a split without counters), strict mode's message, the branches that read a
# prebuilt trace database, and the steps of deleted log files kept as history.
TRACE_DB_TESTS = [
    "tests/test_trace_database.py",
    "tests/test_idle_cost_reference.py",
    "-k",
    "trace_database",
]
HISTORY_TEST = "tests/agent_logs/test_history.py"
PYTEST_FOR = {
    **{
        f"macros/generic_tests/{name}.sql": ["tests/test_generic_tests.py"]
        for name in (
            "accepted_range",
            "equal_row_count",
            "expression_is_true",
            "sums_agree",
            "unique_combination",
        )
    },
    "macros/trace_batch.sql": ["tests/test_incremental.py"],
    **{
        path: ["tests/agent_logs/test_incremental_logs.py", "-k", "bad_lines_in_its_new_part"]
        for path in (
            "macros/agent_log_batch.sql",
            "models/staging/agent_logs/base/duckdb/base_agent_logs__lines.sql",
        )
    },
    "macros/seed_rows.sql": ["tests/test_docs.py", "-k", "empty_database"],
    # the mutation runs read a one-file trace; the file order shows with several files
    "models/staging/trace/stg_trace__files.sql": [
        "tests/test_end_to_end.py",
        "-k",
        "step_id_follows_file_order",
    ],
    "macros/json.sql": ["tests/test_bad_input.py", "-k", "warnings_in_both_modes"],
    "macros/agent_logs.sql": [
        "tests/agent_logs/test_live_logs_and_bad_lines.py",
        "-k",
        "steps_equal_the_reference or bad_lines_are_named",
    ],
    "macros/reader.sql": [
        "tests/test_bad_input.py",
        "-k",
        "own_file_only or quarantine_sets_every or unreadable_lines",
    ],
    **{
        path: [
            "tests/agent_logs/test_live_logs_and_bad_lines.py",
            "-k",
            "split_of_nothing",
        ]
        for path in (
            "models/intermediate/agent_logs/int_claude_steps_formed.sql",
            "models/marts/agent_logs/agent_log_steps_normalized.sql",
        )
    },
    "macros/generic_tests/no_rejected_lines.sql": [
        "tests/test_bad_input.py",
        "-k",
        "strict_mode_stops_at_the_first_bad_line",
    ],
    **{
        path: [*TRACE_DB_TESTS[:2], HISTORY_TEST, "-k", "trace_database or deleted_logs"]
        for path in (
            "models/intermediate/steps/int_step_timing_events.sql",
            "models/intermediate/steps/int_step_tool_calls.sql",
            "models/intermediate/steps/int_steps_unioned.sql",
        )
    },
    **{
        path: [HISTORY_TEST]
        for path in (
            "models/intermediate/agent_logs/int_agent_log_steps_deleted.sql",
            "models/intermediate/agent_logs/int_agent_log_activity_remembered.sql",
            "models/intermediate/agent_logs/int_agent_log_activity_deleted.sql",
        )
    },
    **{
        path: TRACE_DB_TESTS
        for path in (
            "models/marts/trace_quality/rejected_lines.sql",
            "models/staging/trace_db/stg_trace_db__steps.sql",
            "models/staging/trace_db/stg_trace_db__timing_events.sql",
            "models/staging/trace_db/stg_trace_db__tool_calls.sql",
        )
    },
}
RAW_LOG_STEPS = 300
MUTANT_TIMEOUT = 600


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the project
    operator: str
    line: int  # first changed line, 1-based
    old: tuple[str, ...]  # the lines replaced, from `line` on
    new: tuple[str, ...]  # what replaces them (fewer lines when a term is dropped)

    @property
    def key(self) -> str:
        return f"{self.file}:{self.line}:{self.operator}:{'|'.join(self.new)}"

    def diff(self) -> str:
        old = [line + "\n" for line in self.old]
        new = [line + "\n" for line in self.new]
        head = f"{self.file}:{self.line}"
        return "".join(difflib.unified_diff(old, new, head, head, lineterm="\n", n=0))


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | equivalent | unreached
    by: str = ""
    seconds: float = 0.0


# --- enumeration -----------------------------------------------------------------------------

QUOTED = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"")


def masked(text: str) -> str:
    """The line with its string literals blanked (same length), so operators never edit them."""
    return QUOTED.sub(lambda m: m.group(0)[0] + "_" * (len(m.group(0)) - 2) + m.group(0)[-1], text)


def live_lines(text: str) -> list[bool]:
    """Which lines are DuckDB code: not in a `{# #}` comment, a docs block or a spark__ macro."""
    live, in_comment, in_spark = [], False, False
    for line in text.splitlines():
        stripped = line.strip()
        start_comment = "{#" in line and not in_comment
        if re.search(r"\{%-?\s*macro\s+spark__", line):
            in_spark = True
        keep = (
            not in_comment and not in_spark and not start_comment and not stripped.startswith("--")
        )
        if start_comment and "#}" not in line.split("{#", 1)[1]:
            in_comment = True
        elif in_comment and "#}" in line:
            in_comment = False
        if in_spark and re.search(r"\{%-?\s*endmacro", line):
            in_spark = False
        live.append(keep)
    return live


def code_part(line: str) -> str:
    """The masked line without a trailing `--` comment."""
    code = masked(line)
    return code.split("--", 1)[0] if "--" in code else code


def balanced(text: str) -> bool:
    depth = 0
    for char in masked(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def replace_at(line: str, start: int, end: int, text: str) -> str:
    return line[:start] + text + line[end:]


def single_line_mutants(path: str, lines: list[str], live: list[bool]) -> list[Mutant]:
    found: list[Mutant] = []

    def add(operator: str, number: int, new: str) -> None:
        found.append(Mutant(path, operator, number + 1, (lines[number],), (new,)))

    for number, line in enumerate(lines):
        if not live[number]:
            continue
        code = code_part(line)
        for match in re.finditer(r"(?<=\s)(<=|>=|<|>)(?=\s)", code):
            swap = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}[match.group(1)]
            add("compare", number, replace_at(line, match.start(), match.end(), swap))
        for match in re.finditer(r"\b(and|or)\b", code):
            before = code[: match.start()]
            if match.group(1) == "and" and (
                re.search(r"\bbetween\b(?:(?!\band\b).)*$", before)
                or (not before.strip() and number and "between" in code_part(lines[number - 1]))
            ):
                continue
            other = "or" if match.group(1) == "and" else "and"
            add("logic", number, replace_at(line, match.start(), match.end(), other))
        for match in re.finditer(r"\b(\d+) (preceding|following)\b", code):
            bigger = f"{int(match.group(1)) + 1} {match.group(2)}"
            add("frame", number, replace_at(line, match.start(), match.end(), bigger))
        for match in re.finditer(r"\bcurrent row\b", code):
            edge = (
                "1 following" if re.search(r"between\s+$", code[: match.start()]) else "1 preceding"
            )
            add("frame", number, replace_at(line, match.start(), match.end(), edge))
        for match in re.finditer(r"\b(desc|asc)\b", code):
            other = "asc" if match.group(1) == "desc" else "desc"
            add("order", number, replace_at(line, match.start(), match.end(), other))
        for match in re.finditer(r"\border by ([\w.]+)\b(?!\s*(?:desc|asc|\())", code):
            add("order", number, replace_at(line, match.end(), match.end(), " desc"))
    return found


ITEM = re.compile(r"^(?P<indent>\s+)(?P<expr>.+?)(?:\s+as\s+(?P<alias>\w+))?(?P<comma>,?)\s*$")


def select_item(line: str) -> tuple[str, str, str, str] | None:
    """(indent, expression, name, comma) of a one-line select item, or None."""
    code = code_part(line).rstrip()
    if code != line.rstrip() or not balanced(code):
        return None
    match = ITEM.match(code)
    if not match or "*" in match["expr"] or "{" in match["expr"]:
        return None
    expr = match["expr"]
    name = match["alias"] or (expr.rsplit(".", 1)[-1] if re.fullmatch(r"[\w.]+", expr) else None)
    if not name or re.match(r"(select|from|where|and|or|case|when|then|else|end)\b", expr):
        return None
    return match["indent"], expr, name, match["comma"]


def in_select_list(lines: list[str], number: int, indent: str) -> bool:
    """Line `number` is an item of a select list: the lines above it at its indent are items
    ending with a comma, up to a `select` line indented one level less."""
    for above in range(number - 1, -1, -1):
        line = lines[above]
        if not line.strip():
            return False
        lead = line[: len(line) - len(line.lstrip())]
        if lead == indent:
            if not line.rstrip().endswith(","):
                return False
            continue
        return (
            len(lead) < len(indent)
            and re.fullmatch(r"select( distinct)?", line.strip()) is not None
        )
    return False


def swap_mutants(path: str, lines: list[str], live: list[bool]) -> list[Mutant]:
    found = []
    for number in range(len(lines) - 1):
        if not (live[number] and live[number + 1]):
            continue
        first, second = select_item(lines[number]), select_item(lines[number + 1])
        if not first or not second or first[0] != second[0] or first[3] != ",":
            continue
        if first[1] == second[1] or first[2] == second[2]:
            continue
        if not in_select_list(lines, number, first[0]):
            continue
        indent = first[0]
        new = (
            f"{indent}{second[1]} as {first[2]}{first[3]}",
            f"{indent}{first[1]} as {second[2]}{second[3]}",
        )
        found.append(Mutant(path, "swap", number + 1, (lines[number], lines[number + 1]), new))
    return found


def top_level_terms(condition: str) -> list[str]:
    """The terms of `a and b and c` outside parentheses (one term when an `or` is at the top)."""
    code, terms, depth, start = masked(condition), [], 0, 0
    for match in re.finditer(r"[()]|\b(and|or)\b", code):
        if match.group(0) in "()":
            depth += 1 if match.group(0) == "(" else -1
        elif depth == 0 and match.group(0) == "or":
            return [condition.strip()]
        elif depth == 0 and not re.search(r"\bbetween\b(?:(?!\band\b).)*$", code[: match.start()]):
            terms.append(condition[start : match.start()].strip())
            start = match.end()
    return [*terms, condition[start:].strip()]


def where_mutants(path: str, lines: list[str], live: list[bool]) -> list[Mutant]:
    found = []
    for number, line in enumerate(lines):
        if not live[number]:
            continue
        code = code_part(line).rstrip()
        where = re.match(r"^(\s*where\s+)(.+)$", code)
        if where and balanced(where[2]) and where[2].strip() != "true":
            terms = top_level_terms(line[len(where[1]) : len(code)])
            for index in range(len(terms) if len(terms) > 1 else 0):
                kept = " and ".join(terms[:index] + terms[index + 1 :])
                new = where[1] + kept + line[len(code) :]
                found.append(Mutant(path, "where", number + 1, (line,), (new,)))
            if len(terms) == 1:
                found.append(Mutant(path, "where", number + 1, (line,), (where[1] + "true",)))
            continue
        term = re.match(r"^(\s*)(and|or)\s+(.+)$", code)
        if not term or not balanced(term[3]):
            continue
        for above in range(number - 1, -1, -1):
            previous = code_part(lines[above])
            if re.match(rf"^{term[1]}(and|or)\s", previous):
                continue
            if re.match(r"^\s*where\s", previous) and balanced(previous.split("where", 1)[1]):
                found.append(Mutant(path, "where", number + 1, (line,), ()))
            break
    return found


def seed_mutants(path: str, text: str) -> list[Mutant]:
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        cells = next(csv.reader([line]))
        for column, cell in enumerate(cells):
            changed = changed_cell(cell)
            if changed is None:
                continue
            row = [*cells[:column], changed, *cells[column + 1 :]]
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow(row)
            found.append(Mutant(path, "seed", number + 1, (line,), (out.getvalue(),)))
    return found


def changed_cell(cell: str) -> str | None:
    if not cell:
        return None
    if cell.lower() in ("true", "false"):
        return "false" if cell.lower() == "true" else "true"
    try:
        number = Decimal(cell)
    except InvalidOperation:
        return cell + "_x"
    exponent = number.as_tuple().exponent
    step = Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else 1
    return str(number + step)


def enumerate_mutants(root: Path) -> list[Mutant]:
    mutants: list[Mutant] = []
    for folder in ("models", "macros", "seeds"):
        for file in sorted((root / folder).rglob("*")):
            relative = file.relative_to(root).as_posix()
            if "/spark/" in relative or not file.is_file():
                continue
            text = file.read_text(encoding="utf-8")
            if file.suffix == ".csv":
                mutants += seed_mutants(relative, text)
            elif file.suffix == ".sql":
                lines, live = text.splitlines(), live_lines(text)
                mutants += single_line_mutants(relative, lines, live)
                mutants += swap_mutants(relative, lines, live)
                mutants += where_mutants(relative, lines, live)
    return sorted(mutants, key=lambda m: (m.file, m.line, m.operator, m.new))


def sample(mutants: list[Mutant], size: int, seed: int) -> list[Mutant]:
    """A deterministic sample with an equal share of each operator (an operator with fewer
    mutants than its share gives the rest to the others)."""
    if size <= 0 or size >= len(mutants):
        return mutants
    by_operator: dict[str, list[Mutant]] = defaultdict(list)
    for mutant in mutants:
        by_operator[mutant.operator].append(mutant)
    shares, left = {}, size
    for number, operator in enumerate(sorted(by_operator, key=lambda op: len(by_operator[op]))):
        shares[operator] = min(len(by_operator[operator]), left // (len(by_operator) - number))
        left -= shares[operator]
    rng = random.Random(seed)
    chosen = [m for op in sorted(by_operator) for m in rng.sample(by_operator[op], shares[op])]
    return sorted(chosen, key=lambda m: (m.file, m.line, m.operator, m.new))


def unread_seed_column(mutant: Mutant) -> str | None:
    """Why a seed mutant is equivalent when the cell it changes is in a column that no model or
    macro names, nor a runtime module that reads the seed (a description kept for the reader of
    the CSV); else None."""
    if mutant.operator != "seed":
        return None
    header = next(csv.reader([(PROJECT / mutant.file).read_text(encoding="utf-8").split("\n")[0]]))
    old, new = next(csv.reader(mutant.old)), next(csv.reader(mutant.new))
    column = header[next(i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b)]
    pattern = re.compile(rf"\b{re.escape(column)}\b")
    code = [*(PROJECT / "models").rglob("*.sql"), *(PROJECT / "macros").rglob("*.sql")]
    stem = Path(mutant.file).stem
    texts = [path.read_text(encoding="utf-8") for path in code]
    texts += [  # the runtime modules that read this seed themselves
        text
        for text in (path.read_text(encoding="utf-8") for path in PROJECT.glob("trace_atlas/*.py"))
        if stem in text
    ]
    if any(pattern.search(text) for text in texts):
        return None
    return f"column {column} of {mutant.file} is named by no model, macro or runtime module"


def equivalent_names(mutants: list[Mutant]) -> dict[str, tuple[str, str, str]]:
    """What an equivalents entry names each mutant by: file, operator and the lines it replaces,
    stripped and joined by ` ⏎ `, so that an entry follows its code when lines above it move.
    Where the same lines sit at several places of a file, ` #k` names the k-th of them."""

    def text(mutant: Mutant) -> str:
        return " ⏎ ".join(line.strip() for line in mutant.old)

    places = defaultdict(set)
    for mutant in mutants:
        places[(mutant.file, mutant.operator, text(mutant))].add(mutant.line)
    names = {}
    for mutant in mutants:
        where = (mutant.file, mutant.operator, text(mutant))
        lines = sorted(places[where])
        suffix = f" #{lines.index(mutant.line) + 1}" if len(lines) > 1 else ""
        names[mutant.key] = (where[0], where[1], where[2] + suffix)
    return names


EQUIVALENT_ENTRY = re.compile(r"^(\S+) \| (\w+) \| `(.*?)` \| (.*)$")


def read_equivalent() -> dict[tuple[str, str, str], str]:
    """tools/mutants_equivalent.txt: `file | operator | `replaced lines` | reason` per line
    (every mutant of that operator replacing those lines), # comments; Python lines apart."""
    known = {}
    if EQUIVALENT_FILE.is_file():
        for raw in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
            entry = EQUIVALENT_ENTRY.match(raw.strip())
            if entry and not entry[1].endswith(".py"):
                known[(entry[1], entry[2], entry[3])] = entry[4]
    return known


def stale_equivalents(known: dict[tuple[str, str, str], str], names: dict) -> list:
    """Entries that name no mutant of today's code (their lines changed): to review again."""
    return sorted(set(known) - set(names.values()))


# --- one scratch copy of the project, its clean builds and the mutants run in it -------------


@dataclass
class Suite:
    """One input kind: a clean database to start each mutant from, and the dbt environment."""

    name: str  # trace | agent_logs
    workdir: Path
    env: dict[str, str]
    manifest: dict = field(default_factory=dict)


class Scratch:
    def __init__(self, folder: Path, inputs: Path) -> None:
        self.folder = folder
        self.project = folder / "project"
        shutil.copytree(PROJECT, self.project, ignore=COPY_IGNORE)
        base_env = {
            key: value for key, value in os.environ.items() if not key.startswith("TRACE_ATLAS_")
        } | {"DO_NOT_TRACK": "1", "DBT_PROFILES_DIR": str(self.project)}
        self.suites = {
            "trace": Suite(
                "trace",
                folder / "trace",
                base_env
                | {"TRACE_ATLAS_INPUT": "trace", "TRACE_ATLAS_TRACE": str(inputs / "edge.jsonl")},
            ),
            "agent_logs": Suite(
                "agent_logs",
                folder / "agent_logs",
                base_env | json.loads((inputs / "agent_env.json").read_text()),
            ),
        }
        self.inputs = inputs

    def dbt(self, suite: Suite, *args: str, timeout: int = MUTANT_TIMEOUT):
        command = [DBT, *args, "--target-path", str(suite.workdir / "target")]
        command += ["--log-path", str(suite.workdir / "logs")]
        env = suite.env | {"TRACE_ATLAS_DB": str(suite.workdir / "atlas.duckdb")}
        return subprocess.run(
            command,
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def check(self, suite: Suite) -> subprocess.CompletedProcess[str]:
        """The outputs against the reference (this file's `check` command, in the copy)."""
        command = [PYTHON, str(self.project / "tools" / "mutate_sql.py"), "check", suite.name]
        command += [str(suite.workdir), str(self.inputs)]
        env = suite.env | {"TRACE_ATLAS_DB": str(suite.workdir / "atlas.duckdb")}
        return subprocess.run(
            command, cwd=self.project, env=env, capture_output=True, text=True, check=False
        )

    def prepare(self, built_by: Scratch | None = None) -> None:
        """A clean build of each suite (which must pass and agree with the reference); another
        copy takes the clean databases of the first and only parses the project."""
        for suite in self.suites.values():
            suite.workdir.mkdir(parents=True)
            if built_by:
                clean = built_by.suites[suite.name].workdir / "clean.duckdb"
                shutil.copyfile(clean, suite.workdir / "clean.duckdb")
                parsed = self.dbt(suite, "parse", timeout=1800)
                if parsed.returncode != 0:
                    raise SystemExit(f"dbt parse fails:\n{parsed.stdout[-4000:]}")
                suite.manifest = json.loads((suite.workdir / "target/manifest.json").read_text())
                continue
            built = self.dbt(suite, "build", timeout=1800)
            if built.returncode != 0:
                raise SystemExit(f"the clean {suite.name} build fails:\n{built.stdout[-4000:]}")
            checked = self.check(suite)
            if checked.returncode != 0:
                raise SystemExit(
                    f"the clean {suite.name} outputs differ:\n{checked.stdout[-4000:]}"
                )
            shutil.copyfile(suite.workdir / "atlas.duckdb", suite.workdir / "clean.duckdb")
            suite.manifest = json.loads((suite.workdir / "target" / "manifest.json").read_text())

    def selection(self, suite: Suite, mutant: Mutant) -> list[str]:
        """What the mutated file feeds, as dbt selectors (empty: the suite never runs it)."""
        nodes = {**suite.manifest["nodes"], **suite.manifest.get("unit_tests", {})}
        if mutant.file.startswith(("models/", "seeds/")):
            return [
                f"{node['name']}+"
                for node in nodes.values()
                if node.get("original_file_path") == mutant.file
                and node["resource_type"] in ("model", "seed")
            ]
        macros = suite.manifest["macros"]
        changed = {key for key, m in macros.items() if m["original_file_path"] == mutant.file}
        grew = True
        while grew:
            users = {
                key
                for key, m in macros.items()
                if set(m["depends_on"]["macros"]) & changed and key not in changed
            }
            changed |= users
            grew = bool(users)
        selected = set()
        for node in suite.manifest["nodes"].values():
            if set(node.get("depends_on", {}).get("macros", [])) & changed:
                if node["resource_type"] in ("model", "seed"):
                    selected.add(node["name"])
                elif node["resource_type"] == "test":
                    for parent in node["depends_on"]["nodes"]:
                        parent_node = suite.manifest["nodes"].get(parent)
                        if parent_node and parent_node["resource_type"] in ("model", "seed"):
                            selected.add(parent_node["name"])
        return sorted(f"{name}+" for name in selected)

    def run(self, mutant: Mutant) -> tuple[str, str]:
        """Apply, build, check, restore: ("killed", by what) or ("survived", what ran)."""
        path = self.project / mutant.file
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines()
        start = mutant.line - 1
        assert tuple(lines[start : start + len(mutant.old)]) == mutant.old, mutant.key
        lines[start : start + len(mutant.old)] = mutant.new
        path.write_text("\n".join(lines) + ("\n" if original.endswith("\n") else ""), "utf-8")
        ran = []
        try:
            if mutant.file.startswith("seeds/"):
                ran.append("docs constants")
                if self.docs_constants_fail():
                    return "killed", "tests/test_docs_constants.py (the seed against the docs)"
            for suite in self.suites.values():
                selectors = self.selection(suite, mutant)
                if not selectors:
                    continue
                ran.append(suite.name)
                verdict = self.run_suite(suite, selectors)
                if verdict:
                    return "killed", f"{suite.name}: {verdict}"
            if mutant.file in PYTEST_FOR:
                ran.append("pytest")
                if self.pytest_fails(PYTEST_FOR[mutant.file]):
                    return "killed", "pytest " + " ".join(PYTEST_FOR[mutant.file])
        except subprocess.TimeoutExpired:
            return "killed", "timeout"
        finally:
            path.write_text(original, encoding="utf-8")
        if not ran:
            return "unreached", "no DuckDB model, seed or test uses this code"
        return "survived", "ran " + " and ".join(ran)

    def docs_constants_fail(self) -> bool:
        """The fast test that holds every seed against the docs and the references."""
        return self.pytest_fails(["tests/test_docs_constants.py"])

    def pytest_fails(self, arguments: list[str]) -> bool:
        command = [PYTHON, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *arguments]
        env = {
            key: value for key, value in os.environ.items() if not key.startswith("TRACE_ATLAS_")
        }
        run = {"cwd": self.project, "env": env, "capture_output": True, "check": False}
        return subprocess.run(command, timeout=MUTANT_TIMEOUT, **run).returncode != 0

    def run_suite(self, suite: Suite, selectors: list[str]) -> str:
        database = suite.workdir / "atlas.duckdb"
        for leftover in suite.workdir.glob("atlas.duckdb*"):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        shutil.copyfile(suite.workdir / "clean.duckdb", database)
        built = self.dbt(suite, "build", "--fail-fast", "--select", *selectors)
        if built.returncode != 0:
            return failed_nodes(suite.workdir / "target" / "run_results.json", built.stdout)
        checked = self.check(suite)
        if checked.returncode != 0:
            last = (checked.stdout.strip().splitlines() or ["outputs differ"])[-1]
            return "reference: " + last[:200]
        return ""


def failed_nodes(run_results: Path, stdout: str) -> str:
    try:
        results = json.loads(run_results.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return "dbt: " + (stdout.strip().splitlines() or ["failed"])[-1][:200]
    bad = [r["unique_id"] for r in results if r["status"] in ("fail", "error")]
    kinds = Counter(node.split(".", 1)[0] for node in bad)
    names = ", ".join(node.split(".")[2] for node in bad[:3])
    if not bad:
        return "dbt: " + (stdout.strip().splitlines() or ["failed"])[-1][:200]
    return f"dbt {dict(kinds)}: {names}{' ...' if len(bad) > 3 else ''}"


# --- the reference check (run inside a scratch copy) -----------------------------------------


def check(suite: str, workdir: Path, inputs: Path) -> int:
    sys.path[:0] = [str(PROJECT), str(PROJECT / "tests"), str(PROJECT / "tests" / "agent_logs")]
    from trace_atlas import outputs

    out = workdir / "out"
    shutil.rmtree(out, ignore_errors=True)
    outputs.write_outputs(
        out,
        database=workdir / "atlas.duckdb",
        manifest_path=workdir / "target" / "manifest.json",
        engine="duckdb",
        hashes=None,
        no_plots=True,
    )
    differences = []
    if suite == "trace":
        import reference

        for name, text in reference.outputs_for([str(inputs / "edge.jsonl")]).items():
            if (out / name).read_text(encoding="utf-8") != text:
                differences.append(name)
        import idle_cost_reference

        steps = idle_cost_reference.read_steps([str(inputs / "edge.jsonl")])
        differences += experiment_differences(out, steps, None)
    else:
        import agent_log_kit as kit

        import reference

        expected = kit.ref.normalize([inputs / "logs/claude/projects"], [inputs / "logs/codex"])
        run = kit.Run(workdir, None)  # type: ignore[arg-type]
        if kit.write_normalized(run, workdir / "steps.jsonl") != kit.reference_lines(
            expected.steps
        ):
            differences.append("normalized steps")
        got = kit.audit_of_run(run)
        sessions = {key: got.pop(key) for key in list(got) if key[2] == "sessions"}
        if got != kit.audit_of_reference(expected):
            differences.append("agent_log_audit.csv")
        if not kit.audit_rows_in_order(run):
            differences.append("agent_log_audit.csv (row order)")
        for agent in ("claude", "codex"):
            kept = {step["session_id"] for step in expected.steps if step["provider"] == agent}
            if sessions.get((agent, "steps", "sessions")) != len(kept):
                differences.append(f"agent_log_audit.csv ({agent} sessions)")
        if kit.rejections_of_run(run) != kit.rejections_of_reference(expected):
            differences.append("rejected_lines.csv")
        kit.ref.write_steps(expected.steps, workdir / "reference_steps.jsonl")
        wanted = reference.outputs_for([str(workdir / "reference_steps.jsonl")])
        for name in kit.SPEC_FILES:
            if (out / name).read_text(encoding="utf-8") != wanted[name]:
                differences.append(name)
        differences += experiment_differences(out, expected.steps, expected.one_hour_writes)
    if differences:
        print("differs from the reference: " + ", ".join(differences))
        return 1
    return 0


def experiment_differences(out: Path, steps: list[dict], one_hour: list | None) -> list[str]:
    """The idle-gap, thinking-time and bill files against their references (idle_cost_reference.py,
    cache_bill_reference.py), compared as tests/test_idle_cost_reference.py compares them: dollar
    sums within 1e-9 relative, every other cell exactly."""
    import cache_bill_reference
    import idle_cost_reference
    import test_idle_cost_reference as compare

    expected = {
        "cache_hit_idle_gap_summary.csv": idle_cost_reference.idle_gap_summary(steps),
        "human_idle_cache_counterfactual_summary.csv": (
            idle_cost_reference.counterfactual_summary(steps)
        ),
    }
    bill = cache_bill_reference.outputs_for_steps(steps, one_hour)
    built = {path.name: path.read_text(encoding="utf-8") for path in out.iterdir()}
    differences = []
    checks = [(name, text, compare.SUMMED) for name, text in expected.items()]
    checks += [(name, text, compare.BILL_SUMMED) for name, text in bill.items()]
    for name, text, summed in checks:
        try:
            compare.assert_same_cells(built[name], text, name, summed)
        except (AssertionError, KeyError):
            differences.append(name)
    try:
        compare.assert_same_table(built, steps)
    except (AssertionError, KeyError, ValueError):
        differences.append("human_idle_cache_counterfactual.md/.tex")
    return differences


def make_inputs(folder: Path) -> None:
    """The generated trace and raw logs every scratch copy reads, and the raw logs' dbt env."""
    folder.mkdir(parents=True, exist_ok=True)
    tools = PROJECT / "tools"
    trace = [str(tools / "generate_trace.py"), "--steps", str(TRACE_STEPS), "--edge-cases"]
    subprocess.run(
        [PYTHON, *trace, "-o", str(folder / "edge.jsonl")], check=True, capture_output=True
    )
    claude, codex = folder / "logs" / "claude" / "projects", folder / "logs" / "codex"
    logs = [str(tools / "generate_raw_logs.py"), "--quiet", "--steps", str(RAW_LOG_STEPS)]
    logs += [
        "--claude-root",
        str(claude),
        "--codex-root",
        str(codex),
        "--edge-cases",
        "--bad-lines",
    ]
    subprocess.run([PYTHON, *logs], check=True, capture_output=True)
    sys.path.insert(0, str(PROJECT))
    from trace_atlas import agent_logs

    env, _ = agent_logs.plan(str(claude), str(codex / "sessions"), False)
    env |= {"TRACE_ATLAS_ON_BAD_LINES": "quarantine", "TRACE_ATLAS_KEEP_HISTORY": "0"}
    (folder / "agent_env.json").write_text(json.dumps(env))


# --- the report ------------------------------------------------------------------------------


def score(outcomes: list[Outcome], key) -> list[str]:
    table: dict[str, Counter] = defaultdict(Counter)
    for outcome in outcomes:
        table[key(outcome)][outcome.status] += 1
    rows = []
    for name in sorted(table):
        counts = table[name]
        total = counts["killed"] + counts["survived"]
        share = f"{100 * counts['killed'] / total:5.1f}%" if total else "    -"
        extra = "".join(
            f"  (+{counts[status]} {status})"
            for status in ("equivalent", "unreached")
            if counts[status]
        )
        rows.append(f"  {name:<62} {counts['killed']:>4}/{total:<4} {share}{extra}")
    return rows


def report(outcomes: list[Outcome], header: list[str], seconds: float) -> str:
    killed = sum(o.status == "killed" for o in outcomes)
    survived = [o for o in outcomes if o.status == "survived"]
    equivalent = [o for o in outcomes if o.status == "equivalent"]
    unreached = [o for o in outcomes if o.status == "unreached"]
    total = killed + len(survived)
    lines = [*header, ""]
    lines.append(
        f"SQL and seeds: {killed}/{total} mutants killed"
        f" ({100 * killed / total if total else 0:.1f}%), {len(equivalent)} equivalent,"
        f" {len(unreached)} not reached,"
        f" in {seconds / 60:.1f} min"
    )
    lines += ["", "by operator:", *score(outcomes, lambda o: o.mutant.operator)]
    lines += ["", "by file:", *score(outcomes, lambda o: o.mutant.file)]
    lines += ["", f"survivors ({len(survived)}):"]
    for outcome in survived:
        lines += [f"- {outcome.mutant.operator} ({outcome.by})", outcome.mutant.diff().rstrip()]
    if unreached:
        lines += ["", f"not reached on DuckDB ({len(unreached)}, not scored):"]
        lines += [f"  {o.mutant.file}:{o.mutant.line} {o.mutant.operator}" for o in unreached]
    if equivalent:
        lines += ["", f"equivalent ({len(equivalent)}, tools/mutants_equivalent.txt):"]
        for outcome in equivalent:
            lines += [f"- {outcome.mutant.operator}: {outcome.by}", outcome.mutant.diff().rstrip()]
    lines += ["", "killed:"]
    for outcome in outcomes:
        if outcome.status == "killed":
            m = outcome.mutant
            lines.append(
                f"  {m.file}:{m.line} {m.operator} <- {outcome.by} ({outcome.seconds:.0f}s)"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=0, help="run N mutants (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="the sample's seed")
    parser.add_argument("--jobs", type=int, default=1, help="scratch copies run side by side")
    parser.add_argument(
        "--only",
        default="",
        help="only mutants whose file:line:operator holds one of these texts (comma-separated)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--report", type=Path, default=PROJECT / "target/mutate/sql_report.txt")
    args = parser.parse_args(argv)

    everything = [
        m
        for m in enumerate_mutants(PROJECT)
        if any(only in f"{m.file}:{m.line}:{m.operator}" for only in args.only.split(","))
    ]
    chosen = sample(everything, args.sample, args.seed)
    counts = Counter(m.operator for m in everything)
    header = [
        f"mutants: {len(everything)} in models/, macros/, seeds/ ("
        + ", ".join(f"{op} {counts[op]}" for op in OPERATORS if counts[op])
        + ")",
        f"run: {len(chosen)}"
        + (
            f" (a sample, an equal share per operator, seed {args.seed})"
            if chosen != everything
            else ""
        )
        + f"; inputs: a generated trace of {TRACE_STEPS} steps with edge cases,"
        f" raw logs of {RAW_LOG_STEPS} steps with edge cases and bad lines",
    ]
    if args.list:
        for mutant in chosen:
            print(mutant.diff())
        print("\n".join(header))
        return 0
    equivalent = read_equivalent()
    names = equivalent_names(enumerate_mutants(PROJECT))
    for file, operator, text in stale_equivalents(equivalent, names):
        print(f"mutate: stale equivalent (no such mutant now): {file} | {operator} | `{text}`")
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    to_run = []
    for mutant in chosen:
        reason = equivalent.get(names[mutant.key])
        reason = reason or unread_seed_column(mutant)
        if reason:
            outcomes.append(Outcome(mutant, "equivalent", reason))
        else:
            to_run.append(mutant)
    with tempfile.TemporaryDirectory(prefix="trace-atlas-mutate-") as temporary:
        folder = Path(temporary)
        print(f"mutate: {header[0]}\nmutate: {header[1]}", flush=True)
        make_inputs(folder / "inputs")
        jobs = max(1, min(args.jobs, len(to_run)))
        print(
            f"mutate: {jobs} scratch cop{'y' if jobs == 1 else 'ies'}, clean builds first",
            flush=True,
        )
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            scratches = list(
                pool.map(lambda n: Scratch(folder / f"w{n}", folder / "inputs"), range(jobs))
            )
            scratches[0].prepare()
            list(pool.map(lambda scratch: scratch.prepare(scratches[0]), scratches[1:]))
        print(f"mutate: clean builds ready in {time.perf_counter() - started:.0f}s", flush=True)
        queue = list(enumerate(to_run, start=1))

        def work(scratch: Scratch) -> None:
            while queue:
                number, mutant = queue.pop(0)
                clock = time.perf_counter()
                status, by = scratch.run(mutant)
                outcome = Outcome(mutant, status, by, time.perf_counter() - clock)
                outcomes.append(outcome)
                print(
                    f"mutate: [{number}/{len(to_run)}] {status:<8} {mutant.file}:{mutant.line}"
                    f" {mutant.operator} ({outcome.seconds:.0f}s) {by}",
                    flush=True,
                )

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            list(pool.map(work, scratches))
    outcomes.sort(key=lambda o: (o.mutant.file, o.mutant.line, o.mutant.operator))
    text = report(outcomes, header, time.perf_counter() - started)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    print(text.split("\nkilled:\n", 1)[0])
    print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])))
    sys.exit(main())
