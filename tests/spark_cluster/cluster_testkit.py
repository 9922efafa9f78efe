"""Shared by the cluster suite's conftest and tests (a module of its own name: `conftest` is
ambiguous across the test folders)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
CLUSTER_COMMAND = [sys.executable, "-m", "trace_atlas", "spark-cluster"]
from trace_atlas import spark_cluster  # noqa: E402

__all__ = ["CLUSTER_COMMAND", "PROJECT_DIR", "Cluster", "spark_cluster"]


@dataclass(frozen=True)
class Cluster:
    """A running private cluster: its folder, master URL and the environment that points dbt's
    `spark_cluster` target and trace-atlas spark-cluster at it."""

    directory: Path
    master_url: str
    env: dict[str, str]
