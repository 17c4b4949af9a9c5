"""The open-set decision both subtask-2 methods with a centroid space share: an image farther from every known
subset's centroid than most held-out images of known generators is called ``unknown``."""

from __future__ import annotations

from typing import Any

import numpy as np

from gans_fingerprints.distances import nearest_centroid
from gans_fingerprints.errors import UserInputError


def nearest_centroid_distance(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest centroid: large for an image of no known generator."""
    if len(points) == 0:
        return np.zeros(0)
    _, distances = nearest_centroid(points, centroids)
    return distances.min(axis=1)


def unknown_threshold(scores: np.ndarray, keep_known: float) -> float:
    """The distance above which an image is called unknown: the ``keep_known`` quantile of the held-out known
    images' distances (so that share of them stays attributed); infinite without held-out images."""
    if len(scores) == 0:
        return float("inf")
    return float(np.quantile(scores, keep_known, method="higher"))


def keep_known_setting(params: dict[str, Any], pipeline: str) -> float:
    """``<pipeline>.open_set.keep_known``, refused in one line outside [0.5, 1]."""
    keep = float(params["open_set"]["keep_known"])
    if not 0.5 <= keep <= 1.0:
        raise UserInputError(f"{pipeline}.open_set.keep_known must be between 0.5 and 1, got {keep} (parameters_{pipeline}.yml).")
    return keep
