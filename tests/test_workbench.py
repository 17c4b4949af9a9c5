"""The researcher's workbench: the exploration notebook runs, and kedro viz serves the pipeline map."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from gans_fingerprints.sample_release import write_sample_release
from gans_fingerprints.scratch_project import REPO_ROOT
from tests.helpers import run_pipelines

pytestmark = pytest.mark.slow


def test_exploration_notebook_runs_on_tiny_data(project_copy, tmp_path):
    import nbclient
    import nbformat

    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=3, seed=1)
    runtime = {"raw_data_root": str(raw), "ingestion": {"image_size": 48},
               "subtask2_siamese": {"device": "cpu", "training": {"epochs": 1, "pairs_per_batch": 8, "min_steps": 0}}}
    for pipeline in ("ingestion", "subtask2_siamese"):
        run_pipelines(project_copy, [pipeline], **runtime)
    notebooks = project_copy / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO_ROOT / "notebooks" / "exploration.ipynb", notebooks)
    notebook = nbformat.read(notebooks / "exploration.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(notebooks)}}).execute()
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
    )
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "subtask2_train   ingested" in text, "the ingestion report is shown"
    assert "subtask2_siamese_embedding_pca_view (" in text, "a figure is loaded through the catalog"
    assert "results_table is not there yet: run `kedro run --pipelines reporting`" in text
    images = [o for c in notebook.cells if "plt.show()" in c.source for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images, "the image grid is drawn inline (no module may force a non-interactive matplotlib backend)"


def _free_port() -> int:
    """A free loopback port below 49152 (kedro viz refuses the ephemeral range the OS hands out)."""
    import random

    for port in random.Random(os.getpid()).sample(range(20000, 49000), 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 49000")


def test_kedro_viz_serves_every_pipeline_and_stops_with_its_process_group(tmp_path):
    port = _free_port()
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"}
    command = [sys.executable, "-m", "kedro", "viz", "run", "--no-browser", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True,
                              stdout=open(tmp_path / "viz.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline, body = time.monotonic() + 150, None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/main", timeout=5) as response:
                    body = json.loads(response.read())
            except OSError:
                assert server.poll() is None, (tmp_path / "viz.log").read_text()[-3000:]
                time.sleep(1)
        assert body is not None, "kedro viz did not answer in time"
        pipelines = {p["id"] for p in body["pipelines"]}
        expected = {"__default__", "ingestion", "benchmark", "subtask2_siamese", "subtask2_features", "subtask2_fingerprint",
                    "subtask1_membership", "subtask1_siamese", "subtask1_comparison", "reporting"}
        assert expected <= pipelines
        layers = {node.get("layer") for node in body["nodes"] if node["type"] == "data"}
        assert {"raw", "intermediate", "primary", "feature", "models", "model_output", "reporting"} <= layers
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the whole group: the server's uvicorn child included
        server.wait(timeout=30)
    leftover = _group_members(server.pid)
    deadline = time.monotonic() + 20
    while leftover and time.monotonic() < deadline:
        time.sleep(0.5)
        leftover = _group_members(server.pid)
    assert not leftover, f"processes of the viz group still running: {leftover}"


def _group_members(group: int) -> str:
    return subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True, check=False).stdout.strip()
