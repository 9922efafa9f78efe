"""Fixtures of the Spark cluster suite: one private local Spark cluster for the whole session
(trace-atlas spark-cluster up, on free ports, in a temporary folder), always brought down at the
end: after the last test, when a test fails, on Ctrl-C and on SIGTERM (turned into Ctrl-C). The
teardown checks that `down` stopped every process `up` started (the pids of its pid files).

This suite never skips. Without Java, pyspark, dbt-spark or PyHive it fails and says what to
install (`make test-spark-cluster` installs the packages itself).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from cluster_testkit import CLUSTER_COMMAND, Cluster, spark_cluster

UP_TIMEOUT_S = 420
DOWN_TIMEOUT_S = 120


def missing_prerequisites() -> list[str]:
    """What the cluster suite needs and does not find."""
    missing = []
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append(
            "a Java 17+ runtime on PATH or in JAVA_HOME "
            "(e.g. apt-get install openjdk-17-jre-headless)"
        )
    packages = {
        "pyspark": "pyspark",
        "dbt.adapters.spark": "dbt-spark",
        "pyhive": "PyHive",
        "thrift_sasl": "thrift-sasl",
        "puresasl": "pure-sasl",
    }
    for module, package in packages.items():
        if importlib.util.find_spec(module.split(".")[0]) is None or (
            "." in module and importlib.util.find_spec(module) is None
        ):
            missing.append(
                f"the Python package {package} (make venv-spark-cluster, or .venv/bin/pip "
                "install -r requirements-spark-cluster.txt)"
            )
    return missing


def raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A private local cluster (master, 2 workers, Thrift server) for the session."""
    missing = missing_prerequisites()
    if missing:
        pytest.fail(
            "the Spark cluster suite cannot run; missing: " + "; ".join(missing), pytrace=False
        )
    directory = tmp_path_factory.mktemp("spark-cluster")
    env = os.environ | {"TRACE_ATLAS_SPARK_CLUSTER_DIR": str(directory)}
    script = list(CLUSTER_COMMAND)
    stopped = False

    def down() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            subprocess.run(
                [*script, "down", "--dir", str(directory), "--grace", "20"],
                env=env,
                timeout=DOWN_TIMEOUT_S,
                check=False,
            )

    previous_handler = signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    atexit.register(down)  # a last resort if the teardown below never runs
    try:
        up = subprocess.run(
            [*script, "up", "--dir", str(directory)],
            env=env,
            capture_output=True,
            text=True,
            timeout=UP_TIMEOUT_S,
            check=False,
        )
        if up.returncode != 0:
            pytest.fail(
                f"the Spark cluster did not come up:\n{up.stdout}\n{up.stderr}", pytrace=False
            )
        state = json.loads((directory / spark_cluster.STATE_FILE).read_text())
        env = env | {"TRACE_ATLAS_SPARK_THRIFT_PORT": str(state["thrift_port"])}
        yield Cluster(directory, state["master_url"], env)
    finally:
        pids = [int(path.read_text()) for path in (directory / "pids").glob("*.pid")]
        down()
        atexit.unregister(down)
        signal.signal(signal.SIGTERM, previous_handler)
    deadline = time.monotonic() + DOWN_TIMEOUT_S
    while [pid for pid in pids if alive(pid)] and time.monotonic() < deadline:
        time.sleep(1)
    assert not [pid for pid in pids if alive(pid)], "down left processes of up running"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
