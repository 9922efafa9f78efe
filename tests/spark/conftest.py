"""Fixtures of the Spark suite. It fails -- it does not skip -- when the Spark engine cannot run
(pyspark and dbt-spark not installed, no Java): `make test` promises both engines."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


@pytest.fixture(scope="session")
def spark_engine() -> None:
    """The Spark engine is installed (make venv-spark) and a Java runtime is there."""
    missing = [
        package
        for package in ("pyspark", "dbt.adapters.spark")
        if importlib.util.find_spec(package) is None
    ]
    if missing:
        pytest.fail(f"the Spark engine is not installed ({', '.join(missing)}): make venv-spark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("no Java runtime on PATH or JAVA_HOME: the Spark engine needs Java 17+")
