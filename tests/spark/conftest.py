"""Fixtures of the Spark suite; every test is skipped without pyspark, dbt-spark or Java.

`spark` is one local SparkSession for the macro checks, configured like the `spark` target of
profiles.yml where it matters for the expressions (UTC, ANSI off as dbt-spark forces it,
backslashes literal in string literals), but with no metastore or warehouse: the checks only
evaluate expressions. The pipeline tests (test_spark_build.py, collected first so that no test
JVM is up while dbt runs its own) start dbt-spark in a subprocess instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="session")
def spark_engine() -> None:
    """Skips the test unless the Spark engine can run: pyspark and dbt-spark installed
    (make venv-spark), and a Java runtime."""
    pytest.importorskip(
        "pyspark",
        reason="pyspark is not installed (the Spark engine is optional: make venv-spark, or "
        ".venv/bin/pip install -r requirements-spark.txt)",
    )
    pytest.importorskip("dbt.adapters.spark", reason="dbt-spark is not installed (make venv-spark)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime on PATH (Spark needs Java 17+)")


@pytest.fixture(scope="session")
def spark(spark_engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A local SparkSession in the test process (the macro checks evaluate expressions)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    scratch = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("trace-atlas-macro-checks")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.parser.escapedStringLiterals", "true")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile={PROJECT_DIR / 'conf' / 'spark-log4j2.properties'}",
        )
        .getOrCreate()
    )
    yield session
    session.stop()
