"""A generated dataset in the release layout, held in memory until ``datasets.ReleaseDataset`` writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

GENERATORS_NAME = ".gans_fingerprints_generators.pt"
"""The file beside the release that holds the weights of the generators that made it."""


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
    recorded_counts: dict[str, int] | None = None
    """Of a release read back from disk: the images per folder it holds (``images`` keeps a few)."""

    def counts(self) -> dict[str, int]:
        return {folder: len(ids) for folder, (ids, _) in self.images.items()}

    def planned_files(self) -> list[str]:
        """Every file (relative to the root) that writing this release creates."""
        files = [f"{folder}/{image_id}.png" for folder, (ids, _) in self.images.items() for image_id in ids]
        files += [f"ground_truth/{name}" for name in self.ground_truth]
        return files + ([GENERATORS_NAME] if self.generator_states is not None else [])
