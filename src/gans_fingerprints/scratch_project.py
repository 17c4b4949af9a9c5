"""A throw-away copy of this project's configuration, for tests and benchmarks.

Kedro resolves the catalog's relative paths against the project folder, so running in a
scratch copy keeps test and benchmark outputs out of the real ``data/`` folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout this package was installed from (editable install)."""


SHIPPED_WEIGHTS = Path("data/06_models/benchmark_weights")


def make_scratch_project(destination: Path, source: Path = REPO_ROOT, shipped_weights: bool = False) -> Path:
    """Copy ``conf/`` (without ``local``) and ``pyproject.toml`` into ``destination``; returns it.
    ``shipped_weights``: the benchmark generators' shipped weights too, so a profile that samples from them builds."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "conf", destination / "conf", ignore=shutil.ignore_patterns("local"))
    (destination / "conf" / "local").mkdir()
    shutil.copy(source / "pyproject.toml", destination / "pyproject.toml")
    (destination / "src").mkdir()  # bootstrap_project wants it; the package itself is installed
    (destination / "logs").mkdir()
    if shipped_weights and (source / SHIPPED_WEIGHTS).is_dir():
        shutil.copytree(source / SHIPPED_WEIGHTS, destination / SHIPPED_WEIGHTS, ignore=shutil.ignore_patterns("*.partial"))
    return destination
