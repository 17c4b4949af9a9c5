"""Helpers the end-to-end tests share: run pipelines in a scratch project, find versioned outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


def run_pipelines(project: Path, pipelines: list[str], env: str | None = None, **runtime_params: Any) -> None:
    """Run ``pipelines`` in ``project`` through a KedroSession, as ``kedro run --params`` would."""
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env, runtime_params=runtime_params) as session:
        session.run(pipeline_names=pipelines)


def versions(project: Path, layer: str, name: str) -> list[Path]:
    """Every saved version of a versioned output, oldest first."""
    return sorted((project / "data" / layer / name).glob(f"*/{name}"))
