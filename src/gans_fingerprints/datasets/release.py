"""Writing a generated dataset into the raw data root, in the release layout, without harming user data."""

from __future__ import annotations

import json
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset
from PIL import Image

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import natural_order

MARKER_NAME = ".gans_fingerprints_release.json"
GENERATORS_NAME = ".gans_fingerprints_generators.pt"
LAYOUT_TOP_LEVEL = ("subtask1", "subtask2", "ground_truth")
logger = logging.getLogger(__name__)


class TargetNotEmptyError(UserInputError):
    """The target folder holds files this project did not write."""


@dataclass
class SyntheticRelease:
    """A dataset in the release layout, held in memory until written.

    ``images`` maps a folder relative to the root (``subtask2/train/real/t1``) to image ids and
    their uint8 stack; ``ground_truth`` maps a file name under ``ground_truth/`` to its table.
    ``up_to_date`` says the root already holds this very release, so nothing is written.
    ``provenance`` (JSON) is kept in the marker and ``generator_states`` beside it, so the data
    and the models that made it stay together.
    """

    writer: str
    settings: dict[str, Any]
    images: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    ground_truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    up_to_date: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)
    generator_states: dict[str, Any] | None = None

    def counts(self) -> dict[str, int]:
        return {folder: len(ids) for folder, (ids, _) in self.images.items()}


@dataclass(frozen=True)
class ReleaseTarget:
    """What the raw data root holds now."""

    root: str
    marker: dict[str, Any] | None
    foreign_files: tuple[str, ...]

    def holds(self, writer: str, settings: dict[str, Any]) -> bool:
        """True when the root holds a complete release of ``writer`` with exactly ``settings``."""
        marker = self.marker or {}
        return marker.get("complete") is True and marker.get("writer") == writer and marker.get("settings") == settings

    def first_images(self, folder: str, count: int) -> tuple[list[str], np.ndarray]:
        """The first ``count`` images of a folder of the release (natural file order)."""
        found = sorted((Path(self.root) / folder).glob("*.png"))
        paths = [found[i] for i in natural_order(p.stem for p in found)][:count]
        return [p.stem for p in paths], np.stack([np.asarray(Image.open(p).convert("L")) for p in paths])

    def generator_states(self) -> dict[str, Any]:
        """The weights of the generators that made the release."""
        import torch  # noqa: PLC0415 - only the benchmark needs torch

        return torch.load(Path(self.root) / GENERATORS_NAME, map_location="cpu", weights_only=True)

    def check_writable(self) -> None:
        if self.foreign_files:
            raise TargetNotEmptyError(
                f"{self.root} holds files this project did not write (e.g. {self.foreign_files[0]}); refusing to "
                "overwrite them. Point the run at an empty folder with --params raw_data_root=/new/folder, "
                "or move your data."
            )


def _write_png(path: Path, pixels: np.ndarray) -> None:
    Image.fromarray(pixels, mode="L").save(path, compress_level=6)


class ReleaseDataset(AbstractDataset[SyntheticRelease, ReleaseTarget]):
    """Loads the state of the raw root; saves a :class:`SyntheticRelease` into it.

    Saving refuses when ``subtask1/``, ``subtask2/`` or ``ground_truth/`` hold files it did not
    write (it knows its own by a marker file). The marker is written first, marked incomplete,
    and completed last, so an interrupted write is rebuilt on the next run instead of blocking it.
    """

    def __init__(self, *, path: str, workers: int | None = None, metadata: dict[str, Any] | None = None) -> None:
        self._root = Path(path)
        self._workers = workers or min(8, os.cpu_count() or 1)
        self.metadata = metadata

    def load(self) -> ReleaseTarget:
        marker_path = self._root / MARKER_NAME
        marker = json.loads(marker_path.read_text()) if marker_path.exists() else None
        foreign: list[str] = []
        if marker is None:
            for name in LAYOUT_TOP_LEVEL:
                top = self._root / name
                if top.exists():
                    foreign += [str(p) for p in sorted(top.rglob("*")) if p.is_file() and p.name != ".gitkeep"][:5]
        return ReleaseTarget(root=str(self._root), marker=marker, foreign_files=tuple(foreign))

    def save(self, data: SyntheticRelease) -> None:
        if data.up_to_date:
            logger.info("%s already holds this %s release; nothing written.", self._root, data.writer)
            return
        target = self.load()
        target.check_writable()
        marker_path = self._root / MARKER_NAME
        self._root.mkdir(parents=True, exist_ok=True)
        marker = {
            "writer": data.writer,
            "settings": data.settings,
            "complete": False,
            "counts": data.counts(),
            "provenance": data.provenance,
        }
        marker_path.write_text(json.dumps(marker, indent=2))
        for name in LAYOUT_TOP_LEVEL:  # an earlier release of ours: replace it whole
            shutil.rmtree(self._root / name, ignore_errors=True)
        (self._root / GENERATORS_NAME).unlink(missing_ok=True)
        if data.generator_states is not None:
            import torch  # noqa: PLC0415

            torch.save(data.generator_states, self._root / GENERATORS_NAME)
        jobs = []
        for folder, (ids, stack) in data.images.items():
            directory = self._root / folder
            directory.mkdir(parents=True, exist_ok=True)
            jobs += [(directory / f"{image_id}.png", stack[i]) for i, image_id in enumerate(ids)]
        with ThreadPoolExecutor(self._workers) as pool:  # zlib releases the GIL
            list(pool.map(lambda job: _write_png(*job), jobs))
        if data.ground_truth:
            (self._root / "ground_truth").mkdir(parents=True, exist_ok=True)
        for name, table in data.ground_truth.items():
            table.to_csv(self._root / "ground_truth" / name, index=False)
        marker["complete"] = True
        marker_path.write_text(json.dumps(marker, indent=2))
        logger.info("Wrote %d images of the %s release under %s.", len(jobs), data.writer, self._root)

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
