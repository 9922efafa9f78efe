"""Session fixtures for the pipeline tests (helpers live in atlas_testkit.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_testkit import generate_trace


@pytest.fixture(scope="session")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Generated traces: normal, edge cases, and the edge-case trace split over 8 gz files."""
    folder = tmp_path_factory.mktemp("traces")
    split = generate_trace(folder / "split" / "edge.jsonl.gz", 6000, "--edge-cases", "--files", "8")
    return {
        "normal": [generate_trace(folder / "normal.jsonl", 20000)],
        "edge": [generate_trace(folder / "edge.jsonl", 6000, "--edge-cases")],
        "edge_split_gz": sorted(split.parent.glob("edge-*.jsonl.gz")),
    }
