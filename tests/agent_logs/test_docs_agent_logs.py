"""dbt docs on the agent-log input: every model, seed and column that exists in the database is
described, and the figures descend from the raw log lines through the steps contract."""

from __future__ import annotations

import json
import subprocess

from agent_log_kit import PROJECT_DIR, TRACELAB, environment


def dbt(args: list[str], workdir) -> subprocess.CompletedProcess[str]:
    env = environment(workdir) | {
        "TRACE_ATLAS_INPUT": "agent_logs",
        "TRACE_ATLAS_CLAUDE_LOGS": str(TRACELAB / "claude" / "projects"),
        "TRACE_ATLAS_CODEX_LOGS": str(TRACELAB / "codex" / "sessions"),
    }
    command = [str(PROJECT_DIR / ".venv" / "bin" / "dbt"), *args]
    command += ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


def ancestors(parent_map: dict[str, list[str]], node: str) -> set[str]:
    seen: set[str] = set()
    stack = [node]
    while stack:
        for parent in parent_map.get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def test_every_agent_log_column_is_described_and_the_figures_descend_from_the_logs(tmp_path):
    built = dbt(["build"], tmp_path)
    assert built.returncode == 0, built.stdout[-3000:]
    documented = dbt(["docs", "generate"], tmp_path)
    assert documented.returncode == 0, documented.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    undocumented = [
        f"{node['name']}.{column}"
        for key, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and key in catalog["nodes"]
        for column in catalog["nodes"][key]["columns"]
        if not node["columns"].get(column, {}).get("description")
    ]
    assert not undocumented
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert sum("agent_logs" in node["path"] for node in models) >= 20
    assert all(node["description"] for node in models)
    lineage = ancestors(manifest["parent_map"], "exposure.trace_atlas.cache_hit_ratio_histogram")
    for node in (
        "source.trace_atlas.agent_log_lines.lines",
        "model.trace_atlas.stg_agent_logs__lines",
        "model.trace_atlas.int_agent_log_steps_kept",
        "model.trace_atlas.int_steps_unioned",
    ):
        assert node in lineage, node
