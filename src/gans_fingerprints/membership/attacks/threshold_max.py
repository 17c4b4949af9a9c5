"""VCMI's "threshold_max" (ImageCLEF 2023): the nearest-generated match calibrated by the nearest other real."""

from __future__ import annotations

import numpy as np

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.membership.registry import register_attack


@register_attack("threshold_max")
def threshold_max(reals: np.ndarray, generated: np.ndarray, reference: np.ndarray) -> np.ndarray:  # noqa: ARG001 - the shared signature
    """``d(x, nearest other real) − d(x, nearest generated)`` for every image of ``reals``: positive means
    the best generated match beats every real–real match."""
    to_reals = pairwise_distances(reals, reals)
    np.fill_diagonal(to_reals, np.inf)
    return to_reals.min(axis=1) - pairwise_distances(reals, generated).min(axis=1)
