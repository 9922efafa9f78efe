"""The page of an output folder comes from that folder alone, and a trace with six providers (four
beyond claude and codex, sharing one scope order) builds and draws both figures."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from PIL import Image
from trace_atlas import figures as plot_figures
from trace_atlas import sidecar as png_sidecar

from atlas_testkit import PROJECT_DIR


def invocation(run) -> str:
    return json.loads((run.out / "run_manifest.json").read_text())["dbt_invocation_id"]


def test_make_page_renders_its_own_run_after_another_build(atlas_run, hostile_run) -> None:
    """`trace-atlas page --out X`, started where the last build is another one (its target/ as
    the current folder's, and in the environment), renders X's run again byte for byte."""
    before = atlas_run.page.read_bytes()
    environment = os.environ | {
        "PYTHONPATH": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(hostile_run.target),
        "TRACE_ATLAS_TARGET_PATH": str(hostile_run.target),
    }
    done = subprocess.run(
        [sys.executable, "-m", "trace_atlas", "page", "--out", str(atlas_run.out)],
        cwd=hostile_run.target.parent,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {atlas_run.page} (")
    page = atlas_run.page.read_text(encoding="utf-8")
    assert atlas_run.page.read_bytes() == before
    assert invocation(atlas_run) in page and invocation(hostile_run) not in page
    assert "gemini" not in page and "gemini" in hostile_run.page.read_text(encoding="utf-8")


def test_a_trace_with_six_providers_draws_both_figures(hostile_run) -> None:
    with open(hostile_run.out / plot_figures.EXPORT_NAME, newline="", encoding="utf-8") as handle:
        orders = {row["scope"]: row["scope_order"] for row in csv.DictReader(handle)}
    assert list(orders)[:3] == ["merged", "claude", "codex"]
    assert {"gemini", "unknown"} <= set(orders) and len(orders) == 7
    assert len({orders[scope] for scope in list(orders)[3:]}) == 1, orders  # one shared order
    for spec in plot_figures.FIGURES:
        path = hostile_run.out / spec.filename
        with Image.open(path) as image:
            assert image.size == (3000, 2200)
        sidecar = png_sidecar.read_sidecar(path)
        png_sidecar.verify(sidecar)
        assert sidecar.manifest["run"]["dbt_invocation_id"] == invocation(hostile_run)
