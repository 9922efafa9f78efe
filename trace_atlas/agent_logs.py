"""Find raw agent logs before a run (the folders given, or the agents' default places), so that
a wrong folder is refused in one line before dbt starts (docs/raw_logs_rules.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trace_atlas import UserError

# What make normalize builds: the normalized view, what it reads, and its tests' seed.
NORMALIZED_MODELS = ("+agent_log_steps_normalized", "+int_agent_log_lines_classified")
NORMALIZED_MODELS += ("rejection_reasons",)
# Refused in a folder name: commas (they separate folders), glob characters, Spark's backtick.
FORBIDDEN = set(",*?[]{}`")


@dataclass
class AgentLogs:
    """The folders of one agent the run reads, and the log files found under them."""

    agent: str
    folders: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def describe(self) -> str:
        size, where = sum(map(os.path.getsize, self.files)), ", ".join(self.folders)
        return f"{self.agent}: {len(self.files):,} files, {size / 1e6:,.1f} MB in {where}"


def jsonl_files(folder: Path, min_depth: int) -> list[str]:
    """Every `.jsonl` file at least min_depth folders under folder (not through symlinks)."""
    found = []
    for directory, _folders, names in os.walk(folder):
        depth = len(Path(directory).relative_to(folder).parts)
        for name in names:
            path = Path(directory) / name
            if depth >= min_depth and name.endswith(".jsonl") and path.is_file():
                found.append(str(path))
    return sorted(found)


def checked_folder(text: str, what: str) -> Path:
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise UserError(f"{what} {text} is not a folder.")
    folder = Path(os.path.abspath(folder))
    bad = sorted(FORBIDDEN & set(str(folder)))
    if bad:
        raise UserError(f"{what} {folder} holds {' '.join(bad)}; move or link it to a plain path.")
    return folder


def claude_logs(texts: list[str]) -> AgentLogs:
    """Claude Code projects folders, each holding at least one session log."""
    logs = AgentLogs("claude")
    for text in texts:
        folder = checked_folder(text, "CLAUDE_LOGS")
        files = jsonl_files(folder, 1)
        if not files:
            hint = " (give the projects folder inside it)" if (folder / "projects").is_dir() else ""
            raise UserError(f"CLAUDE_LOGS {folder} holds no <project>/*.jsonl log{hint}.")
        logs.folders.append(str(folder))
        logs.files += files
    return logs


def codex_logs(texts: list[str]) -> AgentLogs:
    """Codex sessions folders (each with its archived_sessions when that holds logs)."""
    logs = AgentLogs("codex")
    for text in texts:
        folder = checked_folder(text, "CODEX_LOGS")
        if (folder / "sessions").is_dir():
            folder = folder / "sessions"  # a Codex home was given: read its sessions folder
        archived = folder.parent / "archived_sessions"
        for place in (folder, archived):
            files = jsonl_files(place, 0) if place.is_dir() else []
            if files and str(place) not in logs.folders:
                logs.folders.append(str(place))
                logs.files += files
        if not any(place in logs.folders for place in (str(folder), str(archived))):
            raise UserError(f"CODEX_LOGS {folder} holds no .jsonl log (nor does {archived}).")
    return logs


def default_places() -> dict[str, list[Path]]:
    """Where Claude Code and Codex keep their session logs on this machine, in that order."""
    home = Path(os.environ.get("HOME") or Path.home())
    claude_home = Path(os.environ.get("CLAUDE_CONFIG_DIR") or home / ".claude")
    codex_home = Path(os.environ.get("CODEX_HOME") or home / ".codex")
    claude = [claude_home / "projects", home / ".config" / "claude" / "projects"]
    return {"claude": list(dict.fromkeys(claude)), "codex": [codex_home / "sessions"]}


def plan(
    claude_text: str, codex_text: str, include_content: bool
) -> tuple[dict[str, str], list[AgentLogs]]:
    """The dbt environment of an agent-log run, and what was found per agent."""
    found = []
    if claude_text:
        found.append(claude_logs(claude_text.split(",")))
    if codex_text:
        found.append(codex_logs(codex_text.split(",")))
    folders = {logs.agent: ",".join(logs.folders) for logs in found}
    env = {
        "TRACE_ATLAS_INPUT": "agent_logs",
        "TRACE_ATLAS_CLAUDE_LOGS": folders.get("claude", ""),
        "TRACE_ATLAS_CODEX_LOGS": folders.get("codex", ""),
        "TRACE_ATLAS_INCLUDE_CONTENT": "1" if include_content else "0",
    }
    return env, found


def find_mine() -> tuple[str, str] | None:
    """make mine: (Claude, Codex) folders with logs at the default places, else None (said)."""
    places, found, seen = default_places(), {"claude": [], "codex": []}, set()
    for agent, folders in places.items():
        for folder in folders:
            if folder.is_dir() and os.path.realpath(folder) not in seen:
                try:
                    (claude_logs if agent == "claude" else codex_logs)([str(folder)])
                except UserError:
                    continue
                seen.add(os.path.realpath(folder))
                found[agent].append(str(folder))
    if found["claude"] or found["codex"]:
        return ",".join(found["claude"]), ",".join(found["codex"])
    print("no Claude Code or Codex session logs found on this machine; looked in:")
    for agent, folders in places.items():
        for folder in folders:
            state = "no .jsonl logs" if folder.is_dir() else "does not exist"
            print(f"  {agent}: {folder} ({state})")
    print(
        "set CLAUDE_CONFIG_DIR / CODEX_HOME if your agents keep them elsewhere, or run "
        "make run CLAUDE_LOGS=<projects folder> CODEX_LOGS=<sessions folder>.",
        flush=True,
    )
    return None


def prepare_mine(options) -> bool:
    """make mine: this user's logs, history kept by default; False when there are none."""
    places = find_mine()
    if places is None:
        return False
    options.claude_logs, options.codex_logs = places
    if options.keep_history is None:
        options.keep_history = True
    os.environ.setdefault("TRACE_ATLAS_DB", str(history_database()))
    return True


def history_database() -> Path:
    """make mine's database, where the steps of deleted agent logs are kept between runs."""
    data_home = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local/share")
    return Path(data_home) / "trace-atlas" / "mine.duckdb"
