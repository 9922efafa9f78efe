"""The page's code-structure section: the dbt lineage from the source to the figures, read
from the lineage the run copied into the output folder."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

PAGE_NAME = "index.html"

# Every docs block the page shows, with its section: a description embedding one links there.
SECTION_DOCS = {
    "atlas_glossary": ("Glossary", "glossary"),
    "cache_hit_ratio_question": ("The question", "question"),
    "cache_hit_ratio_method": ("Method and assumptions", "method"),
    "cache_hit_ratio_fig1_caption": ("Fig. 1", "fig-1"),
    "cache_hit_ratio_fig1_alt": ("Fig. 1", "fig-1"),
    "cache_hit_ratio_fig2_caption": ("Fig. 2", "fig-2"),
    "cache_hit_ratio_fig2_alt": ("Fig. 2", "fig-2"),
    "cache_hit_ratio_populations": ("Which steps each number covers", "populations"),
    "cache_hit_ratio_table_caption": ("Paper table", "paper-table"),
    "cache_hit_ratio_summary_caption": ("Summary", "summary"),
    "cache_hit_ratio_round_split_caption": ("Round split", "round-split"),
    "cache_hit_ratio_token_weighted_caption": ("Token-weighted", "token-weighted"),
    "cache_hit_ratio_bins_caption": ("Numbers behind the figures", "bins"),
    "step_audit_caption": ("Step audit", "step-audit"),
    "bad_lines": ("Bad lines", "bad-lines"),
    "run_provenance": ("Provenance", "provenance"),
    "atlas_code_structure": ("Code structure", "code-structure"),
    "atlas_how_to_run": ("How to run it", "how-to-run"),
    "atlas_output_files": ("Output files", "outputs"),
    "idle_question": ("Why the cache missed", "idle"),
    "idle_gap_method": ("Why the cache missed", "idle"),
    "idle_counterfactual_method": ("Why the cache missed", "idle"),
    "idle_gap_fig3_caption": ("Fig. 3", "fig-3"),
    "idle_gap_fig3_alt": ("Fig. 3", "fig-3"),
    "idle_counterfactual_caption": ("Why the cache missed", "idle-cost"),
    "cache_by_day_fig4_caption": ("Fig. 4", "fig-4"),
    "cache_by_day_fig4_alt": ("Fig. 4", "fig-4"),
}

LAYERS = ("source", "staging", "intermediate", "marts", "exposure")


def display_name(node: dict) -> str:
    if node["resource_type"] == "source":
        return f"{node['source_name']}.{node['name']}"
    return node.get("label") or node["name"]


def layer_of(node: dict) -> str:
    parts = Path(node.get("original_file_path", "")).parts
    if node["resource_type"] in ("source", "exposure") or len(parts) < 3:
        return node["resource_type"]
    return parts[1]


def explained_elsewhere(description: str, docs: dict[str, str]) -> tuple[str, list]:
    """A description without the docs blocks it embeds, and the sections showing those."""
    explained = []
    for name, text in sorted(docs.items(), key=lambda item: -len(item[1])):
        if len(text.strip()) >= 40 and text.strip() in description:
            description = description.replace(text.strip(), "")
            label, anchor = SECTION_DOCS.get(name, (name, ""))
            explained.append((label, f"#{anchor}" if anchor else ""))
    return description.strip(), explained


def lineage_entry(key: str, context: dict, project_dir: Path, out_dir: Path) -> dict[str, Any]:
    node, resources = context["resources"][key], context["resources"]
    description, explained = explained_elsewhere(node.get("description", ""), context["docs"])
    path = node.get("original_file_path", "")
    source = project_dir / path
    parents = [resources[p] for p in context["parent_map"].get(key, []) if p in resources]
    href = quote(Path(os.path.relpath(source, out_dir)).as_posix()) if source.is_file() else None
    artifact = None
    if node["resource_type"] == "exposure":
        url = urlsplit(node.get("url", ""))
        name = url.path.rstrip("/").rsplit("/", 1)[-1]
        if name == PAGE_NAME:
            artifact = f"#{url.fragment or 'top'}"
        elif name and (out_dir / name).is_file():
            artifact = quote(name)
    return {
        "name": display_name(node),
        "kind": node["resource_type"],
        "layer": layer_of(node),
        "description": description,
        "explained_in": explained,
        "reads": [f"{parent['resource_type']} {display_name(parent)}" for parent in parents],
        "path": path,
        "href": href,
        "artifact_href": artifact,
    }


def read_lineage(context: dict, project_dir: Path, out_dir: Path) -> tuple[list, list]:
    """The sources and models on a path to an exposure, by layer in lineage order (plain lineage
    order if a model reads from a later layer), exposures last; and the other models."""
    resources, parents = context["resources"], context["parent_map"]
    exposures = [k for k, node in resources.items() if node["resource_type"] == "exposure"]
    upstream: set[str] = set()
    stack = list(exposures)
    while stack:
        for parent in parents.get(stack.pop(), []):
            kind = resources.get(parent, {}).get("resource_type")
            if kind in ("source", "model") and parent not in upstream:
                upstream.add(parent)
                stack.append(parent)

    @functools.cache
    def depth(key: str) -> int:
        return 1 + max((depth(p) for p in parents.get(key, []) if p in upstream), default=-1)

    def layer_rank(key: str) -> int:
        layer = layer_of(resources[key])
        return LAYERS.index(layer) if layer in LAYERS else LAYERS.index("marts")

    members = [*upstream, *exposures]
    order = sorted(members, key=lambda k: (layer_rank(k), depth(k), display_name(resources[k])))
    position = {key: index for index, key in enumerate(order)}
    if any(position.get(p, -1) > position[k] for k in order for p in parents.get(k, [])):
        order = sorted(members, key=lambda k: (depth(k), display_name(resources[k])))
    models = [key for key, node in resources.items() if node["resource_type"] == "model"]
    others = sorted(resources[key]["name"] for key in models if key not in upstream)
    return [lineage_entry(k, context, project_dir, out_dir) for k in order], others
