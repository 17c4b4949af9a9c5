"""Euclidean distances between two sets of vectors, computed in chunks to bound memory."""

from __future__ import annotations

import numpy as np


def pairwise_distances(first: np.ndarray, second: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Distances (len(first), len(second)) in float64: the expanded form ``|a|² − 2ab + |b|²`` loses
    near-zero distances, which matter for membership attacks, in float32."""
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    second_norms = (second**2).sum(1)
    rows = []
    for start in range(0, len(first), chunk):
        block = first[start : start + chunk]
        squared = (block**2).sum(1)[:, None] - 2 * block @ second.T + second_norms[None, :]
        rows.append(np.sqrt(np.clip(squared, 0, None)))
    return np.concatenate(rows) if rows else np.zeros((0, len(second)))
