"""Shared fixtures: small datasets written by each test into its own temporary folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sample_root(tmp_path: Path) -> Path:
    """A complete sample release (both subtasks, ground truth) of 32 px images, 3 per folder."""
    from gans_fingerprints.sample_release import write_sample_release

    return write_sample_release(tmp_path / "raw", image_size=32, per_folder=3, seed=1)


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's configuration in a temporary folder, so runs never touch the real data/ folder."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(PROJECT_ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project / "pyproject.toml")
    (project / "src").mkdir()  # bootstrap_project wants it; the package itself is installed
    for layer in ("01_raw", "02_intermediate", "03_primary", "08_reporting"):
        (project / "data" / layer).mkdir(parents=True)
    (project / "logs").mkdir()
    monkeypatch.chdir(project)
    return project
