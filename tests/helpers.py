"""Helpers the tests share: run pipelines in a scratch project, find versioned outputs, make a small manifest."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


def run_pipelines(
    project: Path, pipelines: list[str], env: str | None = None, namespaces: list[str] | None = None, runner: Any = None,
    **runtime_params: Any,
) -> None:
    """Run ``pipelines`` in ``project`` through a KedroSession, as ``kedro run --params [--namespaces] [--runner]`` would."""
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env, runtime_params=runtime_params) as session:
        session.run(pipeline_names=pipelines, namespaces=namespaces, runner=runner)


def versions(project: Path, layer: str, name: str) -> list[Path]:
    """Every saved version of a versioned output, oldest first."""
    return sorted((project / "data" / layer / name).glob(f"*/{name}"))


def checksums(*roots: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """SHA-256 of every file under ``roots`` (a link by its target, not followed); names in ``skip`` left out.

    Keys are paths relative to the root when there is one root, full paths otherwise.
    """
    found = {}
    for root in roots:
        for current, _, names in os.walk(root):
            for name in names:
                path = Path(current) / name
                if name in skip:
                    continue
                found[path.relative_to(root).as_posix() if len(roots) == 1 else str(path)] = (
                    f"link:{os.readlink(path)}" if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
                )
    return found


def kedro_subprocess(project: Path, *args: str, telemetry_opt_out: bool = True) -> subprocess.CompletedProcess:
    """The real ``kedro run ARGS`` executable in ``project``, as a terminal user runs it.

    ``telemetry_opt_out=False`` runs without the opt-out variables, as a user's shell would.
    """
    environment = {k: v for k, v in os.environ.items() if k not in ("KEDRO_DISABLE_TELEMETRY", "DO_NOT_TRACK")}
    if telemetry_opt_out:
        environment["KEDRO_DISABLE_TELEMETRY"] = "true"
    command = [sys.executable, "-m", "kedro", "run", *args]
    return subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True, timeout=300, check=False)


def toy_manifest(roles_subsets: list[tuple[str, str]]) -> pd.DataFrame:
    """A manifest with one row per ``(role, subset)``: ids ``i0, i1, ...``, stack index and hash the row number."""
    rows = [{"image_id": f"i{i}", "role": r, "subset": s, "content_hash": str(i), "stack_index": i}
            for i, (r, s) in enumerate(roles_subsets)]
    return pd.DataFrame(rows)
