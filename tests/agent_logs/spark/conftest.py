"""The Spark engine must be there (as in tests/spark): these tests fail, not skip, without it.
They run with `make test-spark`; `make pytest` leaves them out (one Spark build takes minutes)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

# The helpers of the agent-log tests (tests/agent_logs/agent_log_kit.py), also when this folder
# is collected on its own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="session")
def spark_engine() -> None:
    missing = [
        package
        for package in ("pyspark", "dbt.adapters.spark")
        if importlib.util.find_spec(package) is None
    ]
    if missing:
        pytest.fail(f"the Spark engine is not installed ({', '.join(missing)}): make venv-spark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("no Java runtime on PATH or JAVA_HOME: the Spark engine needs Java 17+")
