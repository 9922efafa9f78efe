"""One local SparkSession for the Spark macro checks; the whole folder is skipped without pyspark.

The session is configured like the `spark` target of profiles.yml where it matters for the
expressions (UTC, ANSI off as dbt-spark forces it, backslashes literal in string literals), but
it keeps no metastore or warehouse: the checks only evaluate expressions.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip(
        "pyspark is not installed (the Spark engine is optional: "
        ".venv/bin/pip install -r requirements-spark.txt)",
        allow_module_level=True,
    )

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    pytest.skip("no Java runtime (Spark needs Java 17+)", allow_module_level=True)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
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
