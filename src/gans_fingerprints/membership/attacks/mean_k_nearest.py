"""The paper's Siamese membership score: minus the mean distance to the k nearest generated images."""

from __future__ import annotations

import numpy as np

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.membership.registry import register_attack


@register_attack("mean_k_nearest", spaces=("siamese",))
def mean_k_nearest(queries: np.ndarray, generated: np.ndarray, reference: np.ndarray, k: int = 5) -> np.ndarray:  # noqa: ARG001
    """``k`` ≤ 0 averages over every generated image; ``k = 1`` is GAN-Leaks' nearest distance."""
    distances = np.sort(pairwise_distances(queries, generated), axis=1)
    return -distances[:, : max(1, int(k)) if int(k) > 0 else None].mean(axis=1)
