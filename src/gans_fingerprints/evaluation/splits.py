"""Stratified, seeded hold-out splits of a manifest."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


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
