"""Shared fixtures: small datasets written by each test into its own temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gans_fingerprints.scratch_project import make_scratch_project

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
# Runs in tests are not tracked in MLflow (each would build a store); tests/test_tracking.py switches it on.
os.environ["GANS_FINGERPRINTS_TRACKING"] = "off"


@pytest.fixture
def sample_root(tmp_path: Path) -> Path:
    """A complete sample release (both subtasks, ground truth) of 32 px images, 3 per folder."""
    from gans_fingerprints.sample_release import write_sample_release

    return write_sample_release(tmp_path / "raw", image_size=32, per_folder=3, seed=1)


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's configuration in a temporary folder, so runs never touch the real data/ folder."""
    project = make_scratch_project(tmp_path / "project")
    monkeypatch.chdir(project)
    return project
