"""dbt docs generate works offline and shows the lineage from the trace to every figure."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from atlas_testkit import run_dbt


def ancestors(parent_map: dict[str, list[str]], node: str) -> set[str]:
    seen: set[str] = set()
    stack = [node]
    while stack:
        for parent in parent_map.get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def test_docs_generate_shows_figures_as_exposures_down_from_the_trace(tmp_path, traces):
    built = run_dbt(["build"], str(traces["edge"][0]), tmp_path)
    assert built.returncode == 0, built.stdout[-3000:]
    result = run_dbt(["docs", "generate"], str(traces["edge"][0]), tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert (tmp_path / "target" / "catalog.json").exists()

    exposures = manifest["exposures"]
    for figure in ("cache_hit_ratio_histogram", "cache_hit_ratio_append_weighted_histogram"):
        exposure = exposures[f"exposure.trace_atlas.{figure}"]
        assert "model.trace_atlas.cache_hit_ratio_bins" in exposure["depends_on"]["nodes"]
        lineage = ancestors(manifest["parent_map"], f"exposure.trace_atlas.{figure}")
        for node in (
            "source.trace_atlas.trace.steps",
            "model.trace_atlas.base_trace__lines",
            "model.trace_atlas.stg_trace__lines",
            "model.trace_atlas.stg_trace__steps",
            "model.trace_atlas.int_steps_unioned",
            "model.trace_atlas.int_steps_classified",
        ):
            assert node in lineage, f"{figure} does not descend from {node}"

    # Every column that exists in the database (the catalog) has a description.
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    undocumented = [
        f"{node['name']}.{column}"
        for key, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and key in catalog["nodes"]
        for column in catalog["nodes"][key]["columns"]
        if not node["columns"].get(column, {}).get("description")
    ]
    assert not undocumented
    assert all(
        node["description"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    )


def test_the_trace_source_documents_every_input_key(tmp_path, traces):
    """The input format is written once (var trace_keys) and documented once (source columns):
    the two lists must agree, in order."""
    result = run_dbt(["parse"], str(traces["edge"][0]), tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    source = manifest["sources"]["source.trace_atlas.trace.steps"]
    project = Path(__file__).resolve().parent.parent / "dbt_project.yml"
    keys = [key["name"] for key in yaml.safe_load(project.read_text())["vars"]["trace_keys"]]
    assert list(source["columns"]) == keys
    assert all(column["description"] for column in source["columns"].values())


def test_the_trace_source_reads_as_the_base_model_does() -> None:
    """Source trace.steps (for ad-hoc queries and the docs) and macro duckdb_line_reader (what
    the base model reads with) give read_csv the same options."""
    import re

    project = Path(__file__).resolve().parent.parent

    def options(text: str) -> list[str]:
        body = re.sub(r"\s+", " ", text[text.index("columns = {") :])
        body = re.sub(r"\$\{max_line_bytes\}|\{\{ var\('max_line_bytes'\) \}\}", "MAX", body)
        return [part.strip() for part in body[: body.index("rejects_scan")].split(",")]

    sources = (project / "models/staging/trace/_trace__sources.yml").read_text()
    macro = (project / "macros/trace_batch.sql").read_text()
    macro = macro[macro.index("macro duckdb_line_reader") :]
    assert options(sources) == options(macro)


def test_every_rejection_and_exclusion_reason_has_a_unit_test(tmp_path, traces):
    """dbt ls --resource-type unit_test lists a unit test of its own for every reason of the
    seeds (trace_line_rejected_<reason>, step_excluded_<reason>), and it expects that reason."""
    import csv

    result = run_dbt(["parse"], str(traces["edge"][0]), tmp_path)
    assert result.returncode == 0
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    unit_tests = {test["name"]: test for test in manifest["unit_tests"].values()}
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for seed, prefix in (
        ("rejection_reasons", "trace_line_rejected_"),
        ("exclusion_reasons", "step_excluded_"),
    ):
        with open(seeds / f"{seed}.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                test = unit_tests.get(prefix + row["reason"])
                assert test is not None, f"no unit test {prefix}{row['reason']}"
                assert f'"{row["reason"]}"' in json.dumps(test.get("expect", {})), (
                    f"{prefix}{row['reason']} does not expect {row['reason']}"
                )


def test_the_repository_documents_its_input_and_outputs(tmp_path, traces):
    """docs/input_format.md names every input key; docs/outputs.md every output file and column
    the marts declare (meta.outputs): a user with a clone needs nothing else."""
    result = run_dbt(["parse"], str(traces["edge"][0]), tmp_path)
    assert result.returncode == 0
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    docs = Path(__file__).resolve().parent.parent / "docs"
    input_format = (docs / "input_format.md").read_text()
    project = Path(__file__).resolve().parent.parent / "dbt_project.yml"
    for key in yaml.safe_load(project.read_text())["vars"]["trace_keys"]:
        assert f"`{key['name']}`" in input_format, key["name"]
    outputs = (docs / "outputs.md").read_text()
    for node in manifest["nodes"].values():
        for declared in node.get("config", {}).get("meta", {}).get("outputs", []):
            assert f"`{declared['file']}`" in outputs, declared["file"]
            if declared.get("kind", "csv") == "csv":
                header = ", ".join(column["name"] for column in declared["columns"])
                assert header in outputs, f"{declared['file']}: {header}"


def test_the_project_compiles_on_an_empty_database(tmp_path, traces):
    """Before the first build (dbt compile or docs on a fresh clone), models whose columns
    follow a seed compile without it instead of querying a table that does not exist."""
    result = run_dbt(["compile"], str(traces["edge"][0]), tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    compiled = tmp_path / "target" / "compiled" / "trace_atlas" / "models"
    assert (compiled / "marts" / "prefix_cache" / "cache_hit_ratio_summary.sql").is_file()
