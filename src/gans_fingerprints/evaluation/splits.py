"""Stratified, seeded hold-out splits of a manifest."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import LAYOUT_DOC


def holdout_split(
    manifest: pd.DataFrame, fraction: float, seed: int, by: Sequence[str] = ("role", "subset")
) -> pd.Series:
    """``"validation"`` for ``fraction`` of the rows of every group of ``by`` (at least one when the
    group has two or more rows), ``"train"`` for the rest; aligned with ``manifest``'s index."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation fraction must be between 0 and 1, got {fraction}")
    rng = np.random.default_rng(seed)
    fold = pd.Series("train", index=manifest.index, dtype="string")
    for _, group in manifest.groupby(list(by), sort=True, dropna=False):
        count = len(group)
        take = min(count - 1, max(1, round(fraction * count))) if count >= 2 else 0
        chosen = rng.choice(group.index.to_numpy(), size=take, replace=False)
        fold.loc[chosen] = "validation"
    return fold


def check_subtask2_training(split: pd.DataFrame, roles: tuple[str, ...] = ("real", "generated")) -> None:
    """Raise a clear error when there is nothing to train on, or a subset lacks training images of one of ``roles``."""
    if split.empty:
        raise UserInputError(
            f"There are no subtask 2 training images: put them under subtask2/train ({LAYOUT_DOC}) and run the "
            "'ingestion' pipeline, or build the benchmark with `kedro run --pipelines benchmark`."
        )
    for subset in sorted(split["subset"].dropna().unique()):
        for role in roles:
            rows = (split["subset"] == subset) & (split["role"] == role) & (split["fold"] == "train")
            if not rows.any():
                raise UserInputError(f"Subset {subset} has no {role} training images ({LAYOUT_DOC}).")
