"""Mutation testing of the runtime package trace_atlas/ with mutmut (requirements-mutate.txt),
in a scratch copy of the project so that mutmut's `mutants/` folder never lands in the checkout.

The package and the fast tests are set in pyproject.toml ([tool.mutmut]): the tests that need no
dbt build. mutmut mutates only the lines those tests run (mutate_only_covered_lines); a mutant in
a function none of them calls is counted as "no tests", apart from the score.

A survivor reviewed as equivalent (no input can show it) is listed in tools/mutants_equivalent.txt
as `file | mutant | line | reason` (mutmut's name within its module, e.g. x_draw__mutmut_45,
the line of the change); it is reported apart and not scored.

A deterministic sample: --digits 05 runs the mutants whose number (mutmut numbers the mutants
of each function from 1) ends in 0 or 5, about one in five; --digits "" runs them all.

    python tools/mutate_python.py [--digits D] [--jobs J] [--report PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MUTMUT = str(Path(sys.executable).parent / "mutmut")
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "target", "logs", "output", "data", "bench", "mutants", "__pycache__", "*.pyc"
)
EQUIVALENT_FILE = PROJECT / "tools" / "mutants_equivalent.txt"
STATUS = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")


def mutmut(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """mutmut in the copy, its output through a file: a mutant's test that timed out can leave a
    process behind holding a pipe; what mutmut's process group leaves is ended afterwards."""
    env = os.environ | {"DO_NOT_TRACK": "1"}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        process = subprocess.Popen(
            [MUTMUT, *args],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        returncode = process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        out.seek(0)
        return subprocess.CompletedProcess(process.args, returncode, out.read(), "")


def read_equivalent() -> dict[str, str]:
    """The Python lines of tools/mutants_equivalent.txt, by mutmut's full mutant name."""
    known = {}
    for raw in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            file, mutant, _line, reason = (part.strip() for part in raw.split("|", 3))
            if file.endswith(".py"):
                known[f"{file.removesuffix('.py').replace('/', '.')}.{mutant}"] = reason
    return known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutmut's --max-children")
    parser.add_argument("--digits", default="", help="run the mutants whose number ends so")
    parser.add_argument("--report", type=Path, default=PROJECT / "target/mutate/python_report.txt")
    args = parser.parse_args(argv)
    if not Path(MUTMUT).exists():
        print(f"mutate: no {MUTMUT}; install requirements-mutate.txt", file=sys.stderr)
        return 2
    equivalent = read_equivalent()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="trace-atlas-mutmut-") as temporary:
        folder = Path(temporary) / "project"
        shutil.copytree(PROJECT, folder, ignore=COPY_IGNORE)
        print("mutate: mutmut run over trace_atlas/ (pyproject.toml [tool.mutmut])", flush=True)
        names = [f"*__mutmut_*{digit}" for digit in args.digits]
        ran = mutmut(folder, "run", "--max-children", str(args.jobs), *names)
        if ran.returncode != 0:
            print(ran.stdout[-3000:], file=sys.stderr)
            return ran.returncode
        listed = mutmut(folder, "results", "--all", "true").stdout.splitlines()
        statuses = {m["name"]: m["status"] for m in map(STATUS.match, listed) if m}
        for name in equivalent:
            if statuses.get(name) == "survived":
                statuses[name] = "equivalent"
        survivors = sorted(name for name, status in statuses.items() if status == "survived")
        diffs = [mutmut(folder, "show", name).stdout.rstrip() for name in survivors]
    seconds = time.perf_counter() - started
    killed_anyway = sorted(n for n in equivalent if statuses.get(n) == "killed")
    counts = Counter(statuses.values())
    killed = counts["killed"] + counts["timeout"] + counts["segfault"]
    tested = killed + counts["survived"] + counts["suspicious"]
    lines = [
        f"Python (trace_atlas/): {killed}/{tested} mutants killed"
        f" ({100 * killed / tested if tested else 0:.1f}%) by the fast tests,"
        f" in {seconds / 60:.1f} min",
        "statuses: " + ", ".join(f"{status} {n}" for status, n in sorted(counts.items())),
        (
            f"sample: the mutants whose number ends in {', '.join(args.digits)}"
            if args.digits
            else "every mutant"
        ),
        "",
        "by module (killed/tested, no tests, equivalent):",
    ]
    modules: dict[str, Counter] = {}
    for name, status in statuses.items():
        module = name.split(".x_", 1)[0].split(".xǁ", 1)[0]
        modules.setdefault(module, Counter())[status] += 1
    for module, count in sorted(modules.items()):
        done = count["killed"] + count["timeout"] + count["segfault"]
        total = done + count["survived"] + count["suspicious"]
        lines.append(
            f"  {module:<40} {done:>4}/{total:<4} no tests {count['no tests']}"
            f", equivalent {count['equivalent']}"
        )
    reviewed = sorted(n for n, status in statuses.items() if status == "equivalent")
    lines += ["", f"equivalent ({len(reviewed)}, tools/mutants_equivalent.txt):"]
    lines += [f"  {name}: {equivalent[name]}" for name in reviewed]
    if killed_anyway:
        lines += ["", "listed as equivalent but killed (remove them from the list):"]
        lines += [f"  {name}" for name in killed_anyway]
    lines += ["", f"survivors ({len(survivors)}):", *diffs]
    text = "\n".join(lines) + "\n"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    print("\n".join(lines[: 6 + len(modules)]))
    print(f"survivors: {len(survivors)}, each with its diff in {args.report}")
    (args.report.with_suffix(".json")).write_text(json.dumps(statuses, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
