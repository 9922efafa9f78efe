"""The constants of the experiment, three ways: as the docs state them (docs/method.md,
docs/input_format.md, docs/raw_logs_rules.md), as the project defines them (its seeds and
dbt_project.yml's trace_keys), and as the independent reference writes them
(tests/reference.py). All three must agree, so that a wrong seed value fails here even where it
would change the SQL and the reference alike."""

from __future__ import annotations

import ast
import csv
import math
import re
from pathlib import Path

import yaml

import reference

PROJECT_DIR = Path(__file__).resolve().parent.parent
METHOD = " ".join((PROJECT_DIR / "docs" / "method.md").read_text(encoding="utf-8").split())
INPUT_FORMAT = (PROJECT_DIR / "docs" / "input_format.md").read_text(encoding="utf-8")


def seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_DIR / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def optional(text: str) -> float | None:
    return None if text == "" else float(text)


def sentence(start: str, end: str) -> str:
    """The words of method.md from `start` to the next `end`."""
    found = re.search(re.escape(start) + r"(.*?)" + re.escape(end), METHOD)
    assert found, f"docs/method.md no longer says {start!r}"
    return found[1]


def ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


# ------------------------------------------------------------------------- the docs' words


def docs_quantiles() -> list[float]:
    return [float(q) for q in re.findall(r"\d\.\d+", sentence("(seed `quantiles`:", ")"))]


def docs_bins() -> list[tuple[str, float]]:
    words = sentence("Upper edges:", "- **Colour bands**")
    labels = ticked(words)
    last = float(re.search(r"\(([\d.]+)\)\.?\s*$", words.strip())[1])
    edges = [0.0 if label == "0" else float(label.split(",")[1].rstrip("]")) for label in labels]
    edges[-1] = last
    return list(zip(labels, edges, strict=True))


def docs_band_colours() -> tuple[list[float], list[str]]:
    words = sentence("by a bin's upper edge:", "-- with these bins")
    cuts = [float(cut) for cut in re.findall(r"below ([\d.]+)", words)]
    return cuts, ticked(words)


def docs_thresholds() -> list[tuple[float | None, float | None, bool]]:
    words = sentence("the shares of steps with a ratio", "These are not")
    weighted = {"three": 3}[re.search(r"for the first (\w+)", words)[1]]
    bounds = []
    for index, item in enumerate(ticked(words)):
        lower = re.search(r"([\d.]+) ≤|≥ ([\d.]+)", item)
        upper = re.search(r"< ([\d.]+)", item)
        low = next((float(g) for g in lower.groups() if g), None) if lower else None
        bounds.append((low, float(upper[1]) if upper else None, index < weighted))
    return bounds


def docs_buckets() -> list[tuple[str, float, float]]:
    words = sentence("(seed `round_split_buckets`):", ". The outputs")
    found = re.findall(r"`([^`]+)` = \[([\d.]+), ([\d.]+|∞)\)", words)
    return [(label, float(lo), math.inf if hi == "∞" else float(hi)) for label, lo, hi in found]


def docs_exclusion_reasons() -> list[str]:
    return ticked(sentence("the first that applies of", "(seed `exclusion_reasons`)"))


def docs_scopes_and_triggers() -> tuple[list[str], list[str]]:
    words = sentence("The outputs always carry scopes", ", in that order")
    scopes, triggers = words.split("\u00d7 triggers")
    return ticked(scopes), ticked(triggers)


def docs_keys() -> list[tuple[str, str, bool]]:
    """The keys table of input_format.md: (key, JSON type as trace_keys names it, reads)."""
    rows = []
    section = INPUT_FORMAT.split("## Keys", 1)[1].split("*integer* means", 1)[0]
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        json_type = {"string": "text"}.get(cells[1], cells[1])
        rows += [(key, json_type, cells[2] == "yes") for key in ticked(cells[0])]
    return rows


def docs_reasons() -> tuple[list[str], list[str]]:
    """input_format.md, What a line may not be: the rejection reasons in order, the warnings."""
    section = INPUT_FORMAT.split("## What a line may not be", 1)[1].split("\n\n", 2)[1]
    rejections, warnings = [], []
    for line in section.splitlines()[2:]:
        last = line.strip().strip("|").split("|")[-1]
        if last.strip().startswith("warning"):
            warnings += ticked(last)
        else:
            rejections += ticked(last)
    return rejections, warnings


def docs_record_kinds() -> set[tuple[str, str, str]]:
    """raw_logs_rules.md R3.2 and R3.3: the record labels read as used or as bookkeeping, as
    (agent, label, category); a Codex label is `type`, or `type/payload.type`."""
    rules = (PROJECT_DIR / "docs" / "raw_logs_rules.md").read_text(encoding="utf-8")
    claude_rules, codex_rules = rules.split("**R3.3 Codex records.**", 1)
    kinds = set()
    for row in claude_rules.splitlines():
        if row.startswith("| label ∈") and row.endswith("| ignored, bookkeeping |"):
            kinds |= {("claude", label, "bookkeeping") for label in ticked(row)}
    for row in codex_rules.split("\n\n", 2)[1].splitlines():
        if "ignored, unknown" in row or not row.startswith("| `"):
            continue
        category = "used" if row.endswith("| used |") or "| used (" in row else "bookkeeping"
        names = ticked(row.split("|")[1])
        if row.startswith("| `type` is"):
            labels = names[1:3]
        elif row.startswith('| `type == "compacted"`'):
            labels = ["compacted"]
        elif row.startswith("| `type =="):
            prefix = "response_item" if "response_item" in names[0] else "event_msg"
            labels = [f"{prefix}/{name}" for name in names[2:]]
        else:
            event = [name for name in names if "/" not in name]
            labels = [name for name in names if "/" in name and not name.endswith("/")]
            labels += [f"event_msg/{name}" for name in event]
        kinds |= {("codex", label, category) for label in labels}
    return kinds


# ------------------------------------------------------------------------- the checks


def test_quantiles():
    expected = docs_quantiles()
    assert [float(row["quantile"]) for row in seed("quantiles")] == expected
    assert [q for _, q in reference.C.quantiles] == expected
    names = [row["quantile_name"] for row in seed("quantiles")]
    assert names == [name for name, _ in reference.C.quantiles]
    assert names[expected.index(0.5)] == "median"


def test_bins_and_bands():
    bins = docs_bins()
    assert len(bins) == 14
    rows = seed("hit_ratio_bins")
    assert [(row["bin_label"], float(row["upper_edge"])) for row in rows] == bins
    assert [(label, upper) for _, label, _, upper, _ in reference.C.bins] == bins
    assert [float(row["lower_edge"]) for row in rows[1:]] == [upper for _, upper in bins[:-1]]
    cuts, colours = docs_band_colours()
    bands = seed("hit_ratio_bands")
    assert [row["band_color"] for row in bands] == colours
    assert [colour for _, colour, _ in reference.C.bands] == colours
    order = [row["band"] for row in bands]
    for row in rows:
        by_docs = order[sum(float(row["upper_edge"]) >= cut for cut in cuts)]
        assert row["band"] == by_docs, row
    assert [b[4] for b in reference.C.bins] == [row["band"] for row in rows]
    assert [(b, label) for b, _, label in reference.C.bands] == [
        (row["band"], row["band_label"]) for row in bands
    ]


def test_summary_thresholds():
    expected = docs_thresholds()
    rows = seed("hit_ratio_thresholds")
    assert [
        (
            optional(r["lower_bound"]),
            optional(r["upper_bound"]),
            r["weights_append_tokens"] == "true",
        )
        for r in rows
    ] == expected
    assert [(lo, hi, w) for _, lo, hi, w in reference.C.thresholds] == expected
    assert [r["threshold_name"] for r in rows] == [t[0] for t in reference.C.thresholds]


def test_round_split_buckets():
    expected = docs_buckets()
    rows = seed("round_split_buckets")
    assert [
        (r["bucket_label"], float(r["lower_bound"]), optional(r["upper_bound"]) or math.inf)
        for r in rows
    ] == expected
    assert reference.C.buckets == expected


def test_scopes_triggers_and_exclusion_reasons():
    scopes, triggers = docs_scopes_and_triggers()
    assert [row["scope"] for row in seed("canonical_scopes")] == scopes == reference.C.scopes
    assert [row["trigger"] for row in seed("group_triggers")] == triggers
    assert [t for t, _, _ in reference.C.triggers] == triggers
    assert [(r["first_event_type"] or None, r["table_label"]) for r in seed("group_triggers")] == [
        (first, label) for _, first, label in reference.C.triggers
    ]
    expected = docs_exclusion_reasons()
    assert in_order(seed("exclusion_reasons"), "reason") == expected
    assert reference.C.exclusion_reasons == expected


def in_order(rows: list[dict[str, str]], name: str) -> list[str]:
    """The seed's names by its order column (reason_order, warning_order), which must number
    them 1, 2, ... in the docs' order (the outputs list them by it)."""
    ranked = sorted(rows, key=lambda row: int(row[f"{name}_order"]))
    assert [int(row[f"{name}_order"]) for row in ranked] == list(range(1, len(rows) + 1))
    return [row[name] for row in ranked]


def test_rejection_reasons_and_warning_kinds():
    rejections, warnings = docs_reasons()
    assert in_order(seed("rejection_reasons"), "reason") == rejections
    assert reference.C.rejection_reasons == rejections
    assert in_order(seed("warning_kinds"), "warning") == warnings
    assert reference.C.warning_kinds == warnings


def test_input_keys():
    expected = docs_keys()
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    keys = project["vars"]["trace_keys"]
    assert [(k["name"], k["json"], bool(k.get("experiment_reads"))) for k in keys] == expected
    assert expected == reference.KEY_LIST


def test_the_reference_reads_no_project_file():
    """Only the trace files it is given: no seed, no dbt_project.yml, no docs file. Its only file
    reads are of the trace (read_bytes), and no string it uses names a project file."""
    tree = ast.parse(Path(reference.__file__).read_text(encoding="utf-8"))
    called = [
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    ]
    assert (called.count("open"), called.count("read_text"), called.count("read_bytes")) == (
        0,
        0,
        1,
    )
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]
    for word in ("seeds", "dbt_project", ".yml", "docs/", "models/"):
        assert not [text for text in strings if word in text], word


def docs_prices() -> list[dict[str, str]]:
    """docs/outputs.md's table of the seed's prices, in the seed's columns."""
    text = (PROJECT_DIR / "docs" / "outputs.md").read_text(encoding="utf-8")
    section = text.split("## Prices", 1)[1].split("\n\n")
    table = next(block for block in section if block.startswith("| provider | model |"))
    columns = ("provider", "model", "match", "match_order", "applies_from", "input_per_mtok")
    columns += ("cache_write_5m_per_mtok", "cache_write_1h_per_mtok", "cache_read_per_mtok")
    columns += ("output_per_mtok",)
    rows = []
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        cells = ["" if cell in ("--", "(any)") else cell.strip("`") for cell in cells]
        rows.append(dict(zip(columns, cells, strict=True)))
    return rows


def test_prices():
    """The seed's price rows are the docs' table, and both references price by the same rows
    (the thinking-time reference has no 1-hour rate: it counts every write as 5-minute)."""
    import cache_bill_reference
    import idle_cost_reference

    documented = docs_prices()
    assert documented == seed("model_prices")
    exact, families = {}, []
    for row in documented:
        rates = [optional(row[name]) for name in ("input_per_mtok", "cache_write_5m_per_mtok")]
        rates += [optional(row[name]) for name in ("cache_write_1h_per_mtok",)]
        rates += [optional(row[name]) for name in ("cache_read_per_mtok", "output_per_mtok")]
        if row["match"] == "exact":
            exact[f"{row['provider']}:{row['model']}"] = tuple(rates)
        else:
            assert row["provider"] == ""
            families.append((row["model"], tuple(rates)))
    assert exact == cache_bill_reference.EXACT_PRICES
    assert list(cache_bill_reference.FAMILY_PRICES) == families
    without_1h = {key: (r[0], r[1], r[3], r[4]) for key, r in exact.items()}
    assert without_1h == idle_cost_reference.EXACT_PRICES
    assert list(idle_cost_reference.FAMILY_PRICES) == [
        (name, (r[0], r[1], r[3], r[4])) for name, r in families
    ]
    assert max(r["applies_from"] for r in documented)[:7] == idle_cost_reference.PRICING_AS_OF


def test_record_kinds():
    rows = {(row["agent"], row["label"], row["category"]) for row in seed("agent_log_record_kinds")}
    assert rows == docs_record_kinds()


def test_audit_items_have_one_order_each():
    """The raw-log audit's rows sort by section_order, then item_order: each section of an agent
    has its own order (a shared one would leave the order to the sections' names), each item
    its own place, and the seed lists them in that order."""
    rows = seed("agent_log_audit_items")
    for agent in {row["agent"] for row in rows}:
        mine = [row for row in rows if row["agent"] == agent]
        orders = {(row["section"], int(row["section_order"])) for row in mine}
        assert (
            len({section for section, _ in orders})
            == len(orders)
            == len({order for _, order in orders})
        ), agent
        places = [(int(row["section_order"]), int(row["item_order"])) for row in mine]
        assert places == sorted(set(places)), agent
