"""What one ``kedro run`` did, gathered while it runs: provenance, seconds per node, figures, data hashes.

The ``RunReporting`` hook fills a :class:`RunRecord`; the HTML report and the MLflow run are written
from it when the run ends. Nothing here knows the catalog's file layout except
:func:`latest_saved`, which finds what an earlier run saved (a figure this run did not draw, a run file).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.cores import available_cores
from gans_fingerprints.stack_spool import release_pages

HASH_BLOCK = 1 << 24
"""Values hashed at a time (16 MB of uint8 pixels)."""
FULL_HASH_BYTES = 512 << 20
"""A stack larger than this is hashed on a sample of its images (every k-th), so a run never reads gigabytes
of a memory-mapped stack only to describe it; the hash says so."""
FIGURE_DPI = 80
"""Resolution of figures kept for the report and MLflow (the catalog saves its own, sharper copy)."""


@dataclass
class RunRecord:
    """One run: its settings and provenance, then what each node took and made."""

    project_path: Path
    env: str
    pipelines: list[str]
    parameters: dict[str, Any]
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    commit: str = ""
    device: str = ""
    node_seconds: dict[str, float] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)
    """``dataset`` or ``dataset/key`` → PNG, for every figure a node of this run returned."""
    data_hashes: dict[str, str] = field(default_factory=dict)
    """Dataset name → SHA-256 of its content, for the image stacks and tables the run read or wrote."""
    status: str = "completed"

    @property
    def seconds(self) -> float:
        return (datetime.now(UTC) - self.started).total_seconds()


def git_commit(project_path: Path) -> str:
    """``<commit>`` of the checkout, ``<commit> + uncommitted changes``, or why it is unknown."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=project_path, capture_output=True, text=True, check=True, timeout=20).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{commit} + uncommitted changes" if changed else commit


def device_description() -> str:
    """The torch device a run with ``device: auto`` uses, and the host. Torch is described only once something in
    this process imported it (a run of ingestion alone never does, and importing it would cost ~0.5 GB)."""
    host = (f"{available_cores()} of {os.cpu_count()} CPU cores available, torch threads set to match; "
            f"Python {platform.python_version()}; {platform.system()} {platform.machine()}")
    torch = sys.modules.get("torch")
    if torch is None:
        return f"torch not imported in this process (a run without torch, or one whose nodes ran on Dask workers); {host}"
    accelerator = "CPU"
    try:
        if torch.cuda.is_available():
            accelerator = f"CUDA {torch.cuda.get_device_name(0)}"
    except Exception:  # noqa: BLE001 - a busy or broken GPU is described, never a failed run
        accelerator = "CUDA (device name unavailable)"
    return f"{accelerator}; torch {torch.__version__}; {host}"


def run_parameters(pipeline: Any, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters this run's nodes read (``params:<name>`` inputs), not every parameter of the project."""
    used = sorted(name.removeprefix("params:").split(".")[0] for name in pipeline.inputs() if name.startswith("params:"))
    return {name: parameters[name] for name in dict.fromkeys(used) if name in parameters}


def figure_png(figure: Figure, dpi: int = FIGURE_DPI) -> bytes:
    """The figure as PNG bytes (it stays open for the catalog to save)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def figures_in(name: str, data: Any) -> dict[str, bytes]:
    """PNGs of a node output that is a figure, or a dict or list of figures (``name/key``); else nothing."""
    if isinstance(data, Figure):
        return {name: figure_png(data)}
    if isinstance(data, Mapping) and data and all(isinstance(v, Figure) for v in data.values()):
        # keyed as saved_figures keys the files the catalog writes (``t1.png`` → ``name/t1``)
        return {f"{name}/{str(key).removesuffix('.png')}": figure_png(figure) for key, figure in data.items()}
    if isinstance(data, list | tuple) and data and all(isinstance(v, Figure) for v in data):
        return {f"{name}/{index}": figure_png(figure) for index, figure in enumerate(data)}
    return {}


def content_hash(data: Any) -> str | None:
    """SHA-256 of an image stack's pixels or a table's rows (index included); None for anything else."""
    if isinstance(data, np.ndarray):
        digest = hashlib.sha256(f"{data.dtype}{data.shape}".encode())
        step = max(1, math.ceil(data.nbytes / FULL_HASH_BYTES)) if data.ndim > 1 else 1
        sample = data[::step] if step > 1 else np.atleast_1d(data)
        per_block = max(1, HASH_BLOCK // max(1, sample[:1].nbytes))
        for start in range(0, len(sample), per_block):  # a memory-mapped stack is read a block at a time
            digest.update(np.ascontiguousarray(sample[start:start + per_block]).tobytes())
            release_pages(data)
        return digest.hexdigest() + (f" (every {step}th image of {len(data)})" if step > 1 else "")
    if isinstance(data, pd.DataFrame):
        return hashlib.sha256(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes()
                              + ",".join(map(str, data.columns)).encode()).hexdigest()
    return None


def seconds_per_pipeline(node_seconds: Mapping[str, float], pipelines: Mapping[str, Any]) -> dict[str, float]:
    """Seconds the run's nodes took, summed by the registered pipeline each belongs to (``__default__`` aside)."""
    owner = {}
    for pipeline_name, pipeline in pipelines.items():
        if pipeline_name != "__default__":
            for node in pipeline.nodes:
                owner.setdefault(node.name, pipeline_name)
    totals: dict[str, float] = {}
    for node_name, seconds in node_seconds.items():
        key = owner.get(node_name, "other")
        totals[key] = totals.get(key, 0.0) + seconds
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def latest_saved(dataset: Any) -> Path | None:
    """Where a file dataset's newest save lies (``<path>/<version>/<name>`` when versioned: a file, or a
    folder of PNGs for a dict of figures); None when nothing was saved or it is not file-backed."""
    filepath = getattr(dataset, "_filepath", None)
    if filepath is None:
        return None
    folder = Path(str(filepath))
    if folder.is_file():
        return folder
    versions = sorted(p for p in folder.iterdir() if (p / folder.name).exists()) if folder.is_dir() else []
    return versions[-1] / folder.name if versions else None


def saved_version(saved: Path | None) -> str:
    """The version folder of a save :func:`latest_saved` found (``<path>/<version>/<name>``); ``""`` unversioned."""
    return saved.parent.name if saved is not None and saved.parent.parent.name == saved.name else ""


def saved_figures(name: str, dataset: Any) -> tuple[str, dict[str, bytes]]:
    """The PNGs of a figure dataset's newest save, keyed as :func:`figures_in` keys them, and its version."""
    saved = latest_saved(dataset)
    if saved is None:
        return "", {}
    version = saved_version(saved)
    if saved.is_dir():
        return version, {f"{name}/{png.stem}": png.read_bytes() for png in sorted(saved.glob("*.png"))}
    return version, {name: saved.read_bytes()} if saved.suffix == ".png" else {}
