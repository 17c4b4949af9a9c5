"""A throw-away copy of this project's configuration, for tests and benchmarks.

Kedro resolves the catalog's relative paths against the project folder, so running in a
scratch copy keeps test and benchmark outputs out of the real ``data/`` folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout this package was installed from (editable install)."""


def make_scratch_project(destination: Path, source: Path = REPO_ROOT) -> Path:
    """Copy ``conf/`` (without ``local``) and ``pyproject.toml`` into ``destination``; returns it."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "conf", destination / "conf", ignore=shutil.ignore_patterns("local"))
    (destination / "conf" / "local").mkdir()
    shutil.copy(source / "pyproject.toml", destination / "pyproject.toml")
    (destination / "src").mkdir()  # bootstrap_project wants it; the package itself is installed
    (destination / "logs").mkdir()
    return destination
