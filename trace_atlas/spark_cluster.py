"""A local Spark cluster for ENGINE=spark-cluster (docs/spark_cluster.md), run by the pyspark
wheel's sbin/spark-daemon.sh; ours are the ports, a readiness check and the executors' count."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from trace_atlas import PROJECT_DIR, UserError

HOST = "127.0.0.1"
STATE_FILE = "cluster.json"
ENV_DIR = "TRACE_ATLAS_SPARK_CLUSTER_DIR"
MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"
THRIFT = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
WORKERS, MEMORY = 2, os.environ.get("TRACE_ATLAS_SPARK_WORKER_MEMORY", "2g")
# Preferred ports (each an environment variable); a port in use is replaced by a free one.
PORT_DEFAULTS = {
    "master": ("TRACE_ATLAS_SPARK_MASTER_PORT", 7177),
    "master_ui": ("TRACE_ATLAS_SPARK_MASTER_UI_PORT", 8180),
    "thrift": ("TRACE_ATLAS_SPARK_THRIFT_PORT", 10100),
    "driver_ui": ("TRACE_ATLAS_SPARK_DRIVER_UI_PORT", 4140),
    "worker_ui": ("TRACE_ATLAS_SPARK_WORKER_UI_PORT", 8181),
}


class ClusterError(UserError):
    code = 1


def default_directory() -> Path:
    return Path(os.environ.get(ENV_DIR) or PROJECT_DIR / "target" / "spark-cluster")


def load_state(directory: Path) -> dict | None:
    """What `up` wrote to <dir>/cluster.json: URLs, ports, the Thrift server's host and port."""
    path = directory / STATE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def answers(port: int, timeout: float = 1.0) -> bool:
    with socket.socket() as probe:
        probe.settimeout(timeout)
        return probe.connect_ex((HOST, port)) == 0


def free_ports() -> dict[str, int]:
    """The preferred ports where free, else ports the system hands out; the worker UIs follow."""
    chosen: dict[str, int] = {}
    for name, (variable, default) in PORT_DEFAULTS.items():
        for index in range(WORKERS if name == "worker_ui" else 1):
            port = int(os.environ.get(variable) or default) + index
            if port in chosen.values() or answers(port, 0.2):
                with socket.socket() as spare:
                    spare.bind((HOST, 0))
                    port = spare.getsockname()[1]
            chosen[f"{name}_{index + 1}" if index else name] = port
    return chosen


def daemons(state: dict) -> list[tuple[str, str, str, list[str]]]:
    """(mode, class, instance, arguments) of what `up` starts, in order."""
    ports, work = state["ports"], Path(state["directory"]) / "work"
    worker_ui = [port for name, port in ports.items() if name.startswith("worker_ui")]
    master = ["--host", HOST, "--port", str(ports["master"]), "--webui-port"]
    started = [("start", MASTER, "1", [*master, str(ports["master_ui"])])]
    for index in range(1, WORKERS + 1):
        arguments = ["--host", HOST, "--cores", "1", "--memory", MEMORY, "--work-dir"]
        arguments += [str(work / f"worker-{index}"), "--webui-port", str(worker_ui[index - 1])]
        started.append(("start", WORKER, str(index), [*arguments, state["master_url"]]))
    thrift = ["--master", state["master_url"], "--name", "Trace Atlas Thrift server"]
    thrift += ["spark-internal", "--hiveconf", f"hive.server2.thrift.port={state['thrift_port']}"]
    thrift += ["--hiveconf", f"hive.server2.thrift.bind.host={HOST}"]
    return [*started, ("submit", THRIFT, "1", thrift)]


def daemon(action: str, spark_class: str, instance: str, state: dict, *arguments: str):
    """sbin/spark-daemon.sh ACTION CLASS INSTANCE ARGS with the folder's pid, log and conf dirs."""
    import pyspark

    home, directory = Path(pyspark.__file__).parent, Path(state["directory"])
    env = {key: value for key, value in os.environ.items() if key != "SPARK_MASTER"} | {
        "SPARK_HOME": str(home),
        "SPARK_PID_DIR": str(directory / "pids"),
        "SPARK_LOG_DIR": str(directory / "logs"),
        "SPARK_CONF_DIR": str(directory / "conf"),
        "SPARK_LOCAL_DIRS": str(directory / "scratch"),
        "SPARK_IDENT_STRING": "trace-atlas",
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_HOSTNAME": HOST,
        "SPARK_DAEMON_MEMORY": "512m",
    }
    command = ["bash", str(home / "sbin" / "spark-daemon.sh"), action, spark_class, instance]
    return subprocess.run([*command, *arguments], env=env, capture_output=True, text=True)


def running(state: dict) -> list[bool]:
    return [daemon("status", c, i, state).returncode == 0 for _, c, i, _ in daemons(state)]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@dataclass(frozen=True)
class Application:
    """The Thrift server's application: the master it runs on and each executor's task count."""

    app_id: str
    master: str
    tasks: dict[str, int]
    active: int


def application(driver_ui: str) -> Application:
    api = f"{driver_ui.rstrip('/')}/api/v1/applications"
    try:
        app_id = get_json(api)[0]["id"]
        properties = dict(get_json(f"{api}/{app_id}/environment")["sparkProperties"])
        executors = get_json(f"{api}/{app_id}/allexecutors")
    except (OSError, ValueError, IndexError, KeyError) as error:
        raise ClusterError(f"the driver UI {driver_ui} does not answer ({error})") from error
    master = properties.get("spark.master", "unknown")
    ran = [e for e in executors if e["id"] != "driver" or master.startswith("local")]
    tasks = {e["id"]: int(e.get("totalTasks", 0)) for e in ran}
    active = sum(1 for e in executors if e["id"] != "driver" and e.get("isActive"))
    return Application(app_id, master, tasks, active)


@dataclass(frozen=True)
class ExecutorUsage:
    master: str
    tasks_by_executor: dict[str, int]

    @property
    def executors(self) -> int:
        return len(self.tasks_by_executor)


def executor_usage(before: Application, after: Application) -> ExecutorUsage:
    """The executors whose task count grew between two snapshots of one application."""
    if before.app_id != after.app_id:
        raise ClusterError(f"the Thrift server restarted ({before.app_id} -> {after.app_id})")
    grew = {key: n - before.tasks.get(key, 0) for key, n in after.tasks.items()}
    return ExecutorUsage(after.master, {key: n for key, n in sorted(grew.items()) if n > 0})


def ready(state: dict) -> bool:
    """Every port answers and the Thrift server's application has an executor per worker."""
    if not all(answers(port) for port in state["ports"].values()):
        return False
    try:
        return application(state["driver_ui"]).active >= WORKERS
    except ClusterError:
        return False


def write_conf(directory: Path, ports: dict[str, int]) -> None:
    """SPARK_CONF_DIR: the project's log4j2 settings and spark-defaults.conf filled in."""
    conf = directory / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "conf" / "spark-log4j2.properties", conf / "log4j2.properties")
    defaults = (PROJECT_DIR / "conf" / "spark-cluster-defaults.conf").read_text()
    driver_memory = os.environ.get("TRACE_ATLAS_SPARK_DRIVER_MEMORY", "2g")
    (conf / "spark-defaults.conf").write_text(
        defaults.format(directory=directory, driver_ui_port=ports["driver_ui"], memory=MEMORY,
                        driver_memory=driver_memory)
    )  # fmt: skip


def stop(directory: Path, grace: float) -> None:
    """spark-daemon.sh stop for each daemon, the Thrift server first; wait for them to exit."""
    state = load_state(directory)
    if state is None:
        print(f"no Spark cluster recorded in {directory}; nothing to stop.")
        return
    pids = [int(path.read_text()) for path in (directory / "pids").glob("*.pid")]
    for _, spark_class, instance, _ in reversed(daemons(state)):
        print(daemon("stop", spark_class, instance, state).stdout.strip())
    deadline = time.monotonic() + grace
    while [pid for pid in pids if Path(f"/proc/{pid}").exists()] and time.monotonic() < deadline:
        time.sleep(0.5)
    (directory / STATE_FILE).unlink()
    print(f"Spark cluster of {directory} is down.")


def recorded(directory: Path) -> dict:
    state = load_state(directory)
    if state is None:
        print(f"no Spark cluster recorded in {directory} (down): make spark-cluster-up")
        sys.exit(1)
    return state


def plan_run(plan) -> None:
    """make run ENGINE=spark-cluster: the running cluster's Thrift server and folder."""
    directory = default_directory()
    state = load_state(directory.resolve())
    if state is None:
        start = "start one with make spark-cluster-up"
        raise ClusterError(f"no Spark cluster is running from {directory}: {start}", code=2)
    plan.target, plan.lock = "spark_cluster", directory
    plan.lock_setting = "TRACE_ATLAS_SPARK_CLUSTER_DIR"
    plan.spark_dir, plan.driver_ui = directory, state["driver_ui"]
    plan.env["TRACE_ATLAS_SPARK_THRIFT_HOST"] = state["thrift_host"]
    plan.env["TRACE_ATLAS_SPARK_THRIFT_PORT"] = str(state["thrift_port"])


def report(driver_ui: str, before: Application, say) -> dict:
    """spark.master and the executors that ran tasks; a build on a local master is an error."""
    usage = executor_usage(before, application(driver_ui))
    say(f"  spark.master {usage.master}, {usage.executors} executor(s) ran tasks")
    if usage.master.startswith("local") or usage.executors == 0:
        ran = f"master {usage.master}, {usage.executors} executors ran tasks"
        raise ClusterError(f"the build did not run on the cluster ({ran})")
    return {"spark.master": usage.master, "spark.executors": usage.executors}


folder_option = click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=default_directory,
    show_default=False,
    help=f"The cluster's folder [{ENV_DIR}, else target/spark-cluster].",
)


@click.group("spark-cluster")
def main() -> None:
    """A local Spark cluster for --engine spark-cluster: up, status, executors, run, down."""


@main.command()
@folder_option
@click.option("--timeout", type=float, default=360.0, show_default=True, help="Seconds to wait.")
def up(directory: Path, timeout: float) -> None:
    """Start the master, the workers and the Thrift server; wait until they are ready."""
    directory = directory.resolve()
    state = load_state(directory)
    if state is not None and all(running(state)):
        print(f"the Spark cluster of {directory} is already running; nothing started.")
        return
    if state is not None and any(running(state)):
        raise ClusterError(f"the cluster of {directory} is only partly running: run down first.")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ClusterError("no Java runtime: Spark needs Java 17+ on PATH or in JAVA_HOME.")
    ports, url = free_ports(), f"http://{HOST}:"
    state = {
        "directory": str(directory), "master_url": f"spark://{HOST}:{ports['master']}",
        "master_ui": f"{url}{ports['master_ui']}", "driver_ui": f"{url}{ports['driver_ui']}",
        "thrift_host": HOST, "thrift_port": ports["thrift"], "ports": ports,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }  # fmt: skip
    write_conf(directory, ports)
    (directory / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    deadline = time.monotonic() + timeout
    try:
        for mode, spark_class, instance, arguments in daemons(state):
            daemon(mode, spark_class, instance, state, *arguments)
        while not ready(state):
            if time.monotonic() > deadline or not all(running(state)):
                logs = ", ".join(sorted(str(path) for path in (directory / "logs").glob("*.out")))
                raise ClusterError(f"the cluster did not come up in {timeout:.0f} s; read {logs}")
            time.sleep(1)
    except BaseException:
        stop(directory, grace=10)
        raise
    master, driver_ui = state["master_url"], state["driver_ui"]
    print(f"Spark cluster up in {directory}: master {master} (UI {state['master_ui']}),")
    print(f"  {WORKERS} workers, thrift {HOST}:{ports['thrift']}, driver UI {driver_ui}")


@main.command()
@folder_option
@click.option("--grace", type=float, default=30.0, show_default=True, help="Seconds to wait.")
def down(directory: Path, grace: float) -> None:
    """Stop exactly what `up` started."""
    stop(directory.resolve(), grace)


@main.command()
@folder_option
def status(directory: Path) -> None:
    """Each daemon, the workers registered, the application's executors."""
    state = recorded(directory.resolve())
    alive = running(state)
    for (_, spark_class, instance, _), up_now in zip(daemons(state), alive, strict=True):
        name = f"{spark_class.rsplit('.', 1)[1]}-{instance}"
        print(f"  {name:<20} {'running' if up_now else 'NOT RUNNING'}")
    try:
        workers = get_json(f"{state['master_ui']}/json")["workers"]
        workers = [worker for worker in workers if worker["state"] == "ALIVE"]
        app = application(state["driver_ui"])
        print(f"  master {state['master_url']}: {len(workers)} worker(s) alive")
        print(f"  application {app.app_id} on {app.master}: {app.active} executor(s)")
    except (ClusterError, OSError, ValueError) as error:
        print(f"  (not answering: {error})")
    sys.exit(0 if all(alive) else 1)


@main.command()
@folder_option
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def executors(directory: Path, as_json: bool) -> None:
    """The application, its master and each executor's task count."""
    app = application(recorded(directory.resolve())["driver_ui"])
    text = f"{app.app_id} on {app.master}: tasks by executor {app.tasks}"
    print(json.dumps(asdict(app)) if as_json else text)


@main.command(context_settings={"allow_interspersed_args": False})
@folder_option
@click.option("--report", "report_path", type=click.Path(path_type=Path), help="Also as JSON.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run(directory: Path, report_path: Path | None, command: tuple[str, ...]) -> None:
    """Run COMMAND (after --); report spark.master and the executors that ran its tasks."""
    if not command:
        raise ClusterError("nothing to run: trace-atlas spark-cluster run -- COMMAND ...")
    driver_ui = recorded(directory.resolve())["driver_ui"]
    before = application(driver_ui)
    returncode = subprocess.run(command, check=False).returncode
    usage = executor_usage(before, application(driver_ui))
    facts = {"spark.master": usage.master, "spark.executors": usage.executors}
    facts |= {"spark.tasks_by_executor": usage.tasks_by_executor, "returncode": returncode}
    print(" ".join(f"{key}={value}" for key, value in facts.items()), file=sys.stderr)
    if report_path:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(facts) + "\n")
    sys.exit(returncode)
