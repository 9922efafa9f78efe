"""A local Apache Spark cluster for Trace Atlas: a standalone master, two workers and the Spark
Thrift server (HiveThriftServer2) submitted to that master, all bound to 127.0.0.1.

    trace-atlas spark-cluster up                  # start it (a second `up` says it is running)
    trace-atlas spark-cluster status              # processes, workers, executors
    trace-atlas spark-cluster executors --json    # the Thrift server's application and executors
    trace-atlas spark-cluster run -- dbt build --target spark_cluster   # + which executors worked
    trace-atlas spark-cluster down                # stop exactly what `up` started

Everything comes from the pyspark wheel (bin/spark-class, bin/spark-submit, the
spark-hive-thriftserver jar) and a Java 17+ runtime; the readiness check and `run` talk to the
Thrift server with PyHive (requirements-spark-cluster.txt). Logs, the workers' work folders (with
each executor's stdout/stderr), the warehouse, the Derby metastore and the state file live under
target/spark-cluster/ of the project (--dir, or TRACE_ATLAS_SPARK_CLUSTER_DIR). dbt reaches the
Thrift server through the `spark_cluster` target of profiles.yml; docs/spark_cluster.md tells the
whole story, including how to point that target at an existing cluster.

Ports (defaults chosen not to clash with a default local Spark), each an environment variable:
TRACE_ATLAS_SPARK_MASTER_PORT (7177), TRACE_ATLAS_SPARK_MASTER_UI_PORT (8180),
TRACE_ATLAS_SPARK_WORKER_UI_PORT (8181, then 8182, ... one per worker),
TRACE_ATLAS_SPARK_THRIFT_PORT (10100), TRACE_ATLAS_SPARK_DRIVER_UI_PORT (4140).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trace_atlas import PROJECT_DIR

HOST = "127.0.0.1"
STATE_FILE = "cluster.json"
LOG4J_CONFIG = PROJECT_DIR / "conf" / "spark-log4j2.properties"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
THRIFT_JAR_PREFIX = "spark-hive-thriftserver_"
# A system property on every JVM started here: names the cluster folder in /proc/<pid>/cmdline.
MARKER_PROPERTY = "trace_atlas.spark_cluster"

ENV_DIR = "TRACE_ATLAS_SPARK_CLUSTER_DIR"
PORT_DEFAULTS = {
    "master_port": ("TRACE_ATLAS_SPARK_MASTER_PORT", 7177),
    "master_ui_port": ("TRACE_ATLAS_SPARK_MASTER_UI_PORT", 8180),
    "worker_ui_port": ("TRACE_ATLAS_SPARK_WORKER_UI_PORT", 8181),
    "thrift_port": ("TRACE_ATLAS_SPARK_THRIFT_PORT", 10100),
    "driver_ui_port": ("TRACE_ATLAS_SPARK_DRIVER_UI_PORT", 4140),
}


class ClusterError(Exception):
    """A problem the user can fix; printed as one message, without a traceback."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ClusterSettings:
    """What `up` starts, and where."""

    directory: Path
    master_port: int
    master_ui_port: int
    worker_ui_port: int
    thrift_port: int
    driver_ui_port: int
    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "2g"
    executor_memory: str = "2g"
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    timeout: float = 180.0

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.master_port}"

    @property
    def master_ui(self) -> str:
        return f"http://{HOST}:{self.master_ui_port}"

    @property
    def driver_ui(self) -> str:
        return f"http://{HOST}:{self.driver_ui_port}"

    @property
    def logs(self) -> Path:
        return self.directory / "logs"

    def ports(self) -> dict[str, int]:
        """Every fixed port the cluster listens on, by what listens."""
        ports = {
            "master": self.master_port,
            "master UI": self.master_ui_port,
            "Thrift server": self.thrift_port,
            "driver UI": self.driver_ui_port,
        }
        for index in range(self.workers):
            ports[f"worker-{index + 1} UI"] = self.worker_ui_port + index
        return ports


def default_directory() -> Path:
    return Path(os.environ.get(ENV_DIR) or PROJECT_DIR / "target" / "spark-cluster")


def env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ClusterError(f"{name}={value!r} is not a port number.")
    return int(value)


def settings_from_args(args: argparse.Namespace) -> ClusterSettings:
    ports = {key: env_port(name, default) for key, (name, default) in PORT_DEFAULTS.items()}
    executor_memory = args.executor_memory or args.worker_memory
    return ClusterSettings(
        directory=args.dir.resolve(),
        workers=args.workers,
        worker_cores=args.worker_cores,
        worker_memory=args.worker_memory,
        executor_memory=executor_memory,
        driver_memory=args.driver_memory,
        shuffle_partitions=args.shuffle_partitions,
        timeout=args.timeout,
        **ports,
    )


# --------------------------------------------------------------------------- processes


@dataclass(frozen=True)
class ProcessRecord:
    """One process `up` started: enough to find it again, and only it."""

    role: str
    pid: int
    start_ticks: int  # /proc/<pid>/stat field 22: tells a reused PID apart
    main_class: str
    log: str


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None if there
    is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def proc_start_ticks(pid: int) -> int | None:
    """The start time of a process in clock ticks since boot, or None if there is none."""
    fields = proc_stat(pid)
    return None if fields is None else int(fields[19])


def proc_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_running(record: ProcessRecord, settle: float = 2.0) -> bool:
    """True while the recorded PID is still the process `up` started (same start time, its
    main class on the command line, not a zombie).

    A process in the middle of an exec (Popen has just returned, or spark-class is handing
    over to java) briefly shows an empty command line: the kernel closes the close-on-exec
    pipe Popen waits on before it maps the new arguments. An empty command line is therefore
    read again for up to `settle` seconds; a different, non-empty one is an answer at once.
    """
    deadline = time.monotonic() + settle
    while True:
        fields = proc_stat(record.pid)
        if fields is None or int(fields[19]) != record.start_ticks or fields[0] == "Z":
            return False
        cmdline = proc_cmdline(record.pid)
        if cmdline or time.monotonic() > deadline:
            return record.main_class in cmdline
        time.sleep(0.01)


def spark_home() -> Path:
    """The Spark distribution inside the pyspark wheel (or $SPARK_HOME)."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise ClusterError(
            "pyspark is not installed in this Python: make venv-spark-cluster "
            "(.venv/bin/pip install -r requirements-spark-cluster.txt)."
        )
    return Path(spec.origin).parent


def check_prerequisites(home: Path) -> None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ClusterError("no Java runtime: Spark needs Java 17+ on PATH or in JAVA_HOME.")
    if not (home / "bin" / "spark-class").is_file():
        raise ClusterError(f"{home}/bin/spark-class not found: is {home} a Spark distribution?")
    if importlib.util.find_spec("pyhive") is None:
        raise ClusterError(
            "PyHive is not installed (the readiness check queries the Thrift server with it): "
            "make venv-spark-cluster (.venv/bin/pip install -r requirements-spark-cluster.txt)."
        )
    if not any((home / "jars").glob(f"{THRIFT_JAR_PREFIX}*.jar")):
        raise ClusterError(
            f"no {THRIFT_JAR_PREFIX}*.jar in {home}/jars: this Spark has no Thrift server."
        )


def spark_environment(settings: ClusterSettings, home: Path) -> dict[str, str]:
    """The environment of every Spark process: loopback only, no user Spark config, quiet
    daemons with a marker naming the cluster folder."""
    conf_dir = settings.directory / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    marker = f"-D{MARKER_PROPERTY}={settings.directory}"
    return os.environ | {
        "SPARK_HOME": str(home),
        "SPARK_CONF_DIR": str(conf_dir),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_HOSTNAME": HOST,
        "SPARK_LOCAL_DIRS": str(settings.directory / "scratch"),
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_DAEMON_JAVA_OPTS": marker,
    }


def launch(
    role: str,
    main_class: str,
    command: list[str],
    settings: ClusterSettings,
    env: dict[str, str],
) -> ProcessRecord:
    """Start one detached process (its own session) with stdout and stderr in logs/<role>.log."""
    settings.logs.mkdir(parents=True, exist_ok=True)
    log = settings.logs / f"{role}.log"
    with open(log, "ab") as handle:
        handle.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
        handle.flush()
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ticks = proc_start_ticks(process.pid)
    if ticks is None:
        raise ClusterError(f"the {role} exited at once; read {log}.")
    return ProcessRecord(role, process.pid, ticks, main_class, str(log))


def log_tail(path: str, lines: int = 15) -> str:
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    " + line for line in text[-lines:])


def wait_for(what: str, ready: Callable[[], bool], process: ProcessRecord, deadline: float) -> None:
    """Poll ready() until it holds; fail at once if the process died, or at the deadline."""
    while True:
        if not is_running(process):
            raise ClusterError(
                f"the {process.role} exited while waiting for {what}; read {process.log}:\n"
                + log_tail(process.log)
            )
        with contextlib.suppress(Exception):
            if ready():
                return
        if time.monotonic() > deadline:
            raise ClusterError(
                f"timed out waiting for {what}; read {process.log} "
                f"(or raise --timeout):\n" + log_tail(process.log)
            )
        time.sleep(1.0)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def check_ports(settings: ClusterSettings) -> None:
    busy = [f"{what} {port}" for what, port in settings.ports().items() if not port_is_free(port)]
    if busy:
        raise ClusterError(
            f"port(s) already in use on {HOST}: {', '.join(busy)}. Stop what uses them, or "
            "pick others with " + ", ".join(name for name, _ in PORT_DEFAULTS.values()) + "."
        )


def signal_process(record: ProcessRecord, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signum)


def stop_process(record: ProcessRecord, grace: float) -> str:
    """SIGTERM, then SIGKILL after `grace` seconds; returns what happened."""
    if not is_running(record):
        return f"{record.role} (pid {record.pid}) was not running"
    signal_process(record, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_running(record):
            return f"stopped {record.role} (pid {record.pid})"
        time.sleep(0.2)
    signal_process(record, signal.SIGKILL)
    time.sleep(0.5)
    return f"killed {record.role} (pid {record.pid}) after {grace:.0f} s"


def session_members(session_ids: set[int]) -> list[int]:
    """PIDs of live processes in the given sessions (executors forked by the workers)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) in session_ids and fields[0] != "Z":
                members.append(int(entry.name))
    return members


# --------------------------------------------------------------------------- state


@dataclass
class ClusterState:
    """What `up` wrote to <dir>/cluster.json."""

    directory: str
    master_url: str
    master_ui: str
    driver_ui: str
    thrift_host: str
    thrift_port: int
    workers: int
    started: str
    processes: list[ProcessRecord] = field(default_factory=list)


def state_path(directory: Path) -> Path:
    return directory / STATE_FILE


def load_state(directory: Path) -> ClusterState | None:
    path = state_path(directory)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        processes = [ProcessRecord(**record) for record in data.pop("processes")]
        return ClusterState(**data, processes=processes)
    except (ValueError, TypeError, KeyError) as error:
        raise ClusterError(f"{path} is unreadable ({error}); remove it by hand.") from error


def save_state(state: ClusterState) -> None:
    path = state_path(Path(state.directory))
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(state), indent=2) + "\n")
    temporary.replace(path)


@contextlib.contextmanager
def cluster_lock(directory: Path) -> Iterator[None]:
    """One `up` or `down` at a time per cluster folder."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "cluster.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ClusterError(
                f"another spark_cluster.py up/down is working on {directory}; wait for it."
            ) from None
        yield


# --------------------------------------------------------------------------- REST and Thrift


def get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def alive_workers(master_ui: str) -> list[dict[str, Any]]:
    """The workers the master has registered and sees alive (its UI's /json)."""
    return [w for w in get_json(f"{master_ui}/json").get("workers", []) if w["state"] == "ALIVE"]


def thrift_query(host: str, port: int, sql: str, timeout: float = 20.0) -> list[tuple[Any, ...]]:
    """Run one statement through the Thrift server with PyHive (as dbt-spark does)."""
    try:
        from pyhive import hive
    except ImportError as error:
        raise ClusterError(
            "PyHive is not installed: make venv-spark-cluster "
            "(.venv/bin/pip install -r requirements-spark-cluster.txt)."
        ) from error
    # The thrift library logs every refused connection; `up` polls until one is accepted.
    quiet = logging.getLogger("thrift")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        connection = hive.connect(host=host, port=port, username="trace_atlas")
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            connection.close()
    finally:
        socket.setdefaulttimeout(previous)


@dataclass(frozen=True)
class Executor:
    """One executor of the application, as the driver's REST API reports it."""

    executor_id: str
    host_port: str
    active: bool
    cores: int
    total_tasks: int


@dataclass(frozen=True)
class Application:
    """The Thrift server's Spark application: the master it really uses and its executors."""

    app_id: str
    name: str
    master: str
    executors: list[Executor]

    @property
    def is_local(self) -> bool:
        return self.master.startswith("local")

    def worker_executors(self) -> list[Executor]:
        """The executors proper (the driver runs tasks itself only with a local master)."""
        return [e for e in self.executors if e.executor_id != "driver" or self.is_local]


def application(driver_ui: str) -> Application:
    """The application behind a driver UI (e.g. http://127.0.0.1:4140): its id, name, the
    spark.master it runs with (a local master shows here as local[...]) and all its executors
    with their cumulative task counts (/api/v1/applications/<id>/executors)."""
    api = f"{driver_ui.rstrip('/')}/api/v1/applications"
    try:
        apps = get_json(api)
        if not apps:
            raise ClusterError(f"{api} lists no application.")
        app = apps[0]
        environment = get_json(f"{api}/{app['id']}/environment")
        executors = get_json(f"{api}/{app['id']}/allexecutors")
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ClusterError(
            f"the driver UI {driver_ui} does not answer ({error}): is the Thrift server up, "
            "with spark.ui.enabled=true?"
        ) from error
    properties = dict(environment.get("sparkProperties", []))
    return Application(
        app_id=app["id"],
        name=app.get("name", ""),
        master=properties.get("spark.master", "unknown"),
        executors=[
            Executor(
                executor_id=e["id"],
                host_port=e.get("hostPort", ""),
                active=bool(e.get("isActive")),
                cores=int(e.get("totalCores", 0)),
                total_tasks=int(e.get("totalTasks", 0)),
            )
            for e in executors
        ],
    )


@dataclass(frozen=True)
class ExecutorUsage:
    """What one run did on the cluster: the master of the application and the executors that
    ran at least one task between two snapshots (with how many tasks each)."""

    master: str
    app_id: str
    tasks_by_executor: dict[str, int]

    @property
    def executors(self) -> int:
        return len(self.tasks_by_executor)

    def report(self) -> dict[str, Any]:
        return {
            "spark.master": self.master,
            "spark.app_id": self.app_id,
            "spark.executors": self.executors,
            "spark.tasks_by_executor": self.tasks_by_executor,
        }


def executor_usage(before: Application, after: Application) -> ExecutorUsage:
    """The executors whose task count grew from `before` to `after` (same application)."""
    if before.app_id != after.app_id:
        raise ClusterError(
            f"the Thrift server's application changed during the run ({before.app_id} -> "
            f"{after.app_id}): it was restarted, so executor counts are not comparable."
        )
    previous = {e.executor_id: e.total_tasks for e in before.worker_executors()}
    tasks = {
        e.executor_id: e.total_tasks - previous.get(e.executor_id, 0)
        for e in after.worker_executors()
        if e.total_tasks > previous.get(e.executor_id, 0)
    }
    return ExecutorUsage(after.master, after.app_id, dict(sorted(tasks.items())))


# --------------------------------------------------------------------------- up


def thrift_server_conf(settings: ClusterSettings) -> dict[str, str]:
    """The Thrift server's Spark settings: those of the `spark` target of profiles.yml that
    matter for SQL results, executors bounded to fit the workers, everything under the folder."""
    directory = settings.directory
    java_options = f"-Dlog4j2.configurationFile={LOG4J_CONFIG} -D{MARKER_PROPERTY}={directory}"
    return {
        "spark.app.name": "Trace Atlas Thrift server",
        "spark.driver.host": HOST,
        "spark.driver.bindAddress": HOST,
        "spark.driver.memory": settings.driver_memory,
        "spark.driver.extraJavaOptions": (
            f"{java_options} -Dderby.stream.error.file={settings.logs / 'derby.log'}"
        ),
        "spark.executor.extraJavaOptions": java_options,
        "spark.executor.cores": str(settings.worker_cores),
        "spark.executor.memory": settings.executor_memory,
        "spark.cores.max": str(settings.workers * settings.worker_cores),
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={directory / 'metastore_db'};create=true"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.parser.escapedStringLiterals": "true",
        "spark.sql.variant.allowDuplicateKeys": "true",
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.ui.enabled": "true",
        "spark.ui.port": str(settings.driver_ui_port),
        "spark.ui.showConsoleProgress": "false",
        "spark.port.maxRetries": "0",
        "spark.hadoop.hive.server2.thrift.bind.host": HOST,
        "spark.hadoop.hive.server2.thrift.port": str(settings.thrift_port),
    }


def write_properties(path: Path, properties: dict[str, str]) -> Path:
    lines = ["# Written by trace-atlas spark-cluster up: the Thrift server's Spark settings."]
    lines += [f"{key} {value}" for key, value in properties.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_master(settings: ClusterSettings, home: Path, env: dict[str, str]) -> ProcessRecord:
    command = [str(home / "bin" / "spark-class"), MASTER_CLASS, "--host", HOST]
    command += ["--port", str(settings.master_port)]
    command += ["--webui-port", str(settings.master_ui_port)]
    return launch("master", MASTER_CLASS, command, settings, env)


def start_worker(
    settings: ClusterSettings, home: Path, env: dict[str, str], index: int
) -> ProcessRecord:
    work = settings.directory / "work" / f"worker-{index}"
    work.mkdir(parents=True, exist_ok=True)
    command = [str(home / "bin" / "spark-class"), WORKER_CLASS, "--host", HOST]
    command += ["--cores", str(settings.worker_cores), "--memory", settings.worker_memory]
    command += ["--work-dir", str(work)]
    command += ["--webui-port", str(settings.worker_ui_port + index - 1)]
    command.append(settings.master_url)
    return launch(f"worker-{index}", WORKER_CLASS, command, settings, env)


def start_thrift_server(
    settings: ClusterSettings, home: Path, env: dict[str, str]
) -> ProcessRecord:
    properties = write_properties(
        settings.directory / "conf" / "thriftserver.conf", thrift_server_conf(settings)
    )
    command = [str(home / "bin" / "spark-submit"), "--master", settings.master_url]
    command += ["--class", THRIFT_CLASS, "--name", "Trace Atlas Thrift server"]
    command += ["--properties-file", str(properties), "spark-internal"]
    command += ["--hiveconf", f"hive.server2.thrift.port={settings.thrift_port}"]
    command += ["--hiveconf", f"hive.server2.thrift.bind.host={HOST}"]
    return launch("thriftserver", THRIFT_CLASS, command, settings, env)


def running_executors(driver_ui: str) -> int:
    return sum(
        1 for e in application(driver_ui).executors if e.executor_id != "driver" and e.active
    )


def start_cluster(settings: ClusterSettings, state: ClusterState) -> None:
    """Start master, workers and Thrift server, recording each in the state file as soon as it
    runs, and wait for each to be ready."""
    home = spark_home()
    check_prerequisites(home)
    check_ports(settings)
    env = spark_environment(settings, home)
    deadline = time.monotonic() + settings.timeout

    def started(record: ProcessRecord) -> ProcessRecord:
        state.processes.append(record)
        save_state(state)
        return record

    master = started(start_master(settings, home, env))
    wait_for(
        "the master UI", lambda: bool(get_json(f"{settings.master_ui}/json")), master, deadline
    )
    workers = [started(start_worker(settings, home, env, i + 1)) for i in range(settings.workers)]
    for worker in workers:
        wait_for(f"{worker.role} to start", lambda: True, worker, deadline)
    wait_for(
        f"{settings.workers} workers to register with the master (worker logs: "
        + ", ".join(w.log for w in workers)
        + ")",
        lambda: len(alive_workers(settings.master_ui)) >= settings.workers,
        master,
        deadline,
    )
    thrift = started(start_thrift_server(settings, home, env))
    wait_for(
        f"the Thrift server to answer `select 1` on {HOST}:{settings.thrift_port}",
        lambda: thrift_query(HOST, settings.thrift_port, "select 1", 5.0) == [(1,)],
        thrift,
        deadline,
    )
    wait_for(
        f"{settings.workers} executors (their logs: {settings.directory}/work/worker-*/app-*/*/)",
        lambda: running_executors(settings.driver_ui) >= settings.workers,
        thrift,
        deadline,
    )


def summary(state: ClusterState, settings: ClusterSettings) -> str:
    cores, memory = settings.worker_cores, settings.worker_memory
    return "\n".join(
        [
            f"Spark cluster up in {state.directory}",
            f"  master       {state.master_url}   (UI {state.master_ui})",
            f"  workers      {state.workers} x {cores} core(s), {memory} "
            f"(executors of {settings.executor_memory})",
            f"  thrift       {state.thrift_host}:{state.thrift_port}   "
            "(dbt build --target spark_cluster)",
            f"  driver UI    {state.driver_ui}",
            f"  logs         {settings.logs}/ (executors: {state.directory}/work/)",
        ]
    )


def command_up(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    with cluster_lock(settings.directory):
        existing = load_state(settings.directory)
        if existing is not None:
            alive = [p for p in existing.processes if is_running(p)]
            if alive and len(alive) == len(existing.processes):
                print(
                    f"the Spark cluster of {settings.directory} is already running "
                    f"(master {existing.master_url}, thrift {existing.thrift_host}:"
                    f"{existing.thrift_port}); nothing started."
                )
                return 0
            if alive:
                roles = ", ".join(f"{p.role} (pid {p.pid})" for p in alive)
                raise ClusterError(
                    f"the cluster of {settings.directory} is only partly running ({roles}); "
                    "run `trace-atlas spark-cluster down` first."
                )
            print(
                f"removing the stale state of a stopped cluster ({state_path(settings.directory)})"
            )
            state_path(settings.directory).unlink()
        state = ClusterState(
            directory=str(settings.directory),
            master_url=settings.master_url,
            master_ui=settings.master_ui,
            driver_ui=settings.driver_ui,
            thrift_host=HOST,
            thrift_port=settings.thrift_port,
            workers=settings.workers,
            started=time.strftime("%Y-%m-%d %H:%M:%S"),
        )
        try:
            start_cluster(settings, state)
        except BaseException:
            for line in stop_all(state, grace=10.0):
                print(line, file=sys.stderr)
            state_path(settings.directory).unlink(missing_ok=True)
            raise
    print(summary(state, settings))
    return 0


# --------------------------------------------------------------------------- down


def stop_all(state: ClusterState, grace: float) -> list[str]:
    """Stop the recorded processes, Thrift server first and master last, then any executor
    the workers left behind (a process in one of their sessions)."""
    order = {"thriftserver": 0, "master": 2}
    sessions = {p.pid for p in state.processes if is_running(p)}
    done = [
        stop_process(p, grace) for p in sorted(state.processes, key=lambda p: order.get(p.role, 1))
    ]
    for pid in session_members(sessions):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            done.append(f"killed leftover process {pid} ({' '.join(proc_cmdline(pid))[:80]})")
    return done


def command_down(args: argparse.Namespace) -> int:
    directory = args.dir.resolve()
    with cluster_lock(directory):
        state = load_state(directory)
        if state is None:
            print(f"no Spark cluster recorded in {directory}; nothing to stop.")
            return 0
        for line in stop_all(state, args.grace):
            print(line)
        state_path(directory).unlink(missing_ok=True)
    print(f"Spark cluster of {directory} is down.")
    return 0


# --------------------------------------------------------------------------- status, executors


def require_state(directory: Path) -> ClusterState:
    state = load_state(directory)
    if state is None:
        raise ClusterError(
            f"no Spark cluster recorded in {directory}: start one with "
            "`trace-atlas spark-cluster up` (make spark-cluster-up)."
        )
    return state


def command_status(args: argparse.Namespace) -> int:
    directory = args.dir.resolve()
    state = load_state(directory)
    if state is None:
        print(f"no Spark cluster recorded in {directory} (down).")
        return 1
    print(f"Spark cluster of {directory} (started {state.started}):")
    running = 0
    for process in state.processes:
        up = is_running(process)
        running += up
        print(f"  {process.role:<13} pid {process.pid:<8} {'running' if up else 'NOT RUNNING'}")
    try:
        workers = alive_workers(state.master_ui)
        print(f"  master {state.master_url}: {len(workers)} worker(s) alive")
        app = application(state.driver_ui)
        executors = [e for e in app.executors if e.executor_id != "driver" and e.active]
        print(f"  application {app.app_id} on {app.master}: {len(executors)} executor(s)")
        print(f"  thrift {state.thrift_host}:{state.thrift_port}")
    except (ClusterError, urllib.error.URLError, OSError, ValueError) as error:
        print(f"  (not answering: {error})")
    return 0 if running == len(state.processes) else 1


def driver_ui_of(args: argparse.Namespace) -> str:
    return args.driver_ui or require_state(args.dir.resolve()).driver_ui


def command_executors(args: argparse.Namespace) -> int:
    app = application(driver_ui_of(args))
    if args.json:
        print(json.dumps(asdict(app) | {"is_local": app.is_local}, indent=2))
        return 0
    print(f"application {app.app_id} ({app.name}) on master {app.master}")
    for e in app.executors:
        state = "active" if e.active else "gone"
        print(f"  executor {e.executor_id:<7} {e.host_port:<22} {state:<7} tasks {e.total_tasks}")
    return 0


def command_run(args: argparse.Namespace) -> int:
    """Run a command and report the master and the executors that ran its tasks."""
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise ClusterError("nothing to run: trace-atlas spark-cluster run -- <command ...>")
    driver_ui = driver_ui_of(args)
    before = application(driver_ui)
    started = time.perf_counter()
    returncode = subprocess.run(command, check=False).returncode
    seconds = time.perf_counter() - started
    usage = executor_usage(before, application(driver_ui))
    report = usage.report() | {"seconds": round(seconds, 2), "returncode": returncode}
    tasks = ", ".join(f"{k}: {v}" for k, v in usage.tasks_by_executor.items()) or "none"
    print(
        f"spark.master={usage.master} spark.executors={usage.executors} "
        f"(tasks by executor: {tasks}; {seconds:.1f} s)",
        file=sys.stderr,
    )
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report | {"command": command}, indent=2) + "\n")
    return returncode


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog="See docs/spark_cluster.md. Every command takes --dir (default: "
        f"${ENV_DIR} or target/spark-cluster of the project).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir",
        type=Path,
        default=default_directory(),
        help="the cluster's folder: state file, logs, work dirs, warehouse, metastore",
    )
    commands = parser.add_subparsers(dest="action", required=True, metavar="COMMAND")

    up = commands.add_parser("up", parents=[common], help="start master, workers, Thrift server")
    up.add_argument("--workers", type=int, default=2, help="number of workers (default 2)")
    up.add_argument("--worker-cores", type=int, default=1, help="cores per worker (default 1)")
    up.add_argument(
        "--worker-memory",
        default=os.environ.get("TRACE_ATLAS_SPARK_WORKER_MEMORY", "2g"),
        help="memory per worker (default 2g, $TRACE_ATLAS_SPARK_WORKER_MEMORY)",
    )
    up.add_argument("--executor-memory", default=None, help="default: the worker memory")
    up.add_argument(
        "--driver-memory",
        default=os.environ.get("TRACE_ATLAS_SPARK_DRIVER_MEMORY", "2g"),
        help="the Thrift server's heap (default 2g, $TRACE_ATLAS_SPARK_DRIVER_MEMORY)",
    )
    up.add_argument("--shuffle-partitions", type=int, default=4, help="default 4")
    up.add_argument(
        "--timeout", type=float, default=180.0, help="seconds to wait for it all (default 180)"
    )

    down = commands.add_parser("down", parents=[common], help="stop what `up` started")
    down.add_argument(
        "--grace", type=float, default=30.0, help="seconds before SIGKILL (default 30)"
    )
    commands.add_parser("status", parents=[common], help="is it running? (exit 0 if fully up)")

    driver = argparse.ArgumentParser(add_help=False)
    driver.add_argument(
        "--driver-ui",
        default=None,
        help="the Thrift server's driver UI of another cluster (default: the local one)",
    )
    executors = commands.add_parser(
        "executors",
        parents=[common, driver],
        help="the Thrift server's application: its master and executors",
    )
    executors.add_argument("--json", action="store_true", help="print JSON")
    run = commands.add_parser(
        "run",
        parents=[common, driver],
        help="run a command, then report spark.master and spark.executors (that ran tasks)",
    )
    run.add_argument("--report", type=Path, default=None, help="also write the report as JSON")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- the command and its arguments")
    return parser.parse_args(argv)


ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "up": command_up,
    "down": command_down,
    "status": command_status,
    "executors": command_executors,
    "run": command_run,
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return ACTIONS[args.action](args)
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
