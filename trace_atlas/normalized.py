"""make normalize: DuckDB copies the build's agent_log_steps_normalized view to JSONL (gzip for a
.gz name) under a temporary name, renamed when complete. `make run TRACE=<file>` reads it back."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from trace_atlas import UserError

MODEL = "agent_log_steps_normalized"


class ExportError(UserError):
    code = 1


def write(database: Path, output: Path, memory_limit: str = "1GB") -> int:
    """Copy the view into output; return the steps written."""
    import duckdb

    if not Path(database).is_file():
        raise ExportError(f"database {database} not found: build the agent logs first.")
    target = Path(output).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    compression = "gzip" if target.name.endswith(".gz") else "none"
    query = f"copy (select * exclude (step_id) from {MODEL} order by step_id) to '{{}}' "
    query += f"(format json, compression {compression})"
    config = {"memory_limit": memory_limit, "threads": "2", "preserve_insertion_order": "true"}
    try:
        with duckdb.connect(str(database), read_only=True, config=config) as connection:
            connection.execute("set enable_progress_bar = false")
            tables = "select count(*) from information_schema.tables where table_name = ?"
            found = connection.execute(tables, [MODEL]).fetchone()
            if not found or not found[0]:
                raise ExportError(f"{database} holds no {MODEL}: build the agent logs first.")
            count = connection.execute(query.format(temporary.replace("'", "''"))).fetchone()
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return int(count[0]) if count else 0
