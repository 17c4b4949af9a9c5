"""What the scripts that run pipelines in scratch projects share: a ``kedro run`` there, the check that every
profile has generator weights, a new timestamped output folder, and drawing an earlier run's figure again."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from gans_fingerprints.scratch_project import REPO_ROOT, SHIPPED_WEIGHTS


def kedro_run(project: Path, pipelines: str, params: str) -> None:
    """``kedro run --env demo --pipelines <pipelines> --params <params>`` in ``project``; the script stops with its output if it fails."""
    result = subprocess.run([sys.executable, "-m", "kedro", "run", "--env", "demo", "--pipelines", pipelines, "--params", params],
                            cwd=project, env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"}, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        sys.exit(f"kedro run --pipelines {pipelines} failed in {project}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def latest_report(project: Path, name: str) -> Path:
    """The newest version of the versioned ``data/08_reporting/<name>`` of ``project``."""
    return sorted((project / "data" / "08_reporting").glob(f"{name}/*/{name}"))[-1]


def require_weights(profiles: list[str], minutes: str) -> None:
    """Stop before any work when a profile has no shipped or locally made generator weights, naming the command."""
    missing = [p for p in profiles if not (REPO_ROOT / SHIPPED_WEIGHTS / p / "provenance.json").is_file()]
    if missing:
        sys.exit("no generator weights for " + ", ".join(missing) + ": make them first with "
                 + "; ".join(f"`make benchmark-weights PROFILE={p} REUSE=demo`" for p in missing) + f" ({minutes}).")


def new_output_folder(root: Path) -> Path:
    """A new folder under ``root`` named by the time (an earlier run is never overwritten)."""
    folder = root / datetime.now(UTC).strftime("%Y-%m-%dT%H.%M.%S.%fZ")[:-4]
    folder.mkdir(parents=True)
    return folder


def replot(table: Path, plot: Callable[[pd.DataFrame], plt.Figure]) -> None:
    """Draw ``plot`` of an earlier run's table again, into a new PNG beside it."""
    figure_path = table.with_name(f"{table.stem}_{datetime.now(UTC).strftime('%Y-%m-%dT%H.%M.%S')}.png")
    plot(pd.read_csv(table)).savefig(figure_path, dpi=110)
    print(f"wrote {figure_path}")
