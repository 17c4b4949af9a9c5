"""The open-set decision both subtask-2 methods with a centroid space share: an image farther from every known
subset's centroid than most images of known generators the network never saw is called ``unknown`` (a threshold
on the held-out images' scores, or a cross-conformal p-value, :func:`conformal_p_values`).

The Siamese measures that distance in its embedding (Euclidean). The fingerprint CNN measures it in several of
its layers at once (:class:`LayerMahalanobis`, Lee et al., NeurIPS 2018): on the demo benchmark that separated a
held-out generator's images from known ones at AUC 0.999 (cohort shift 0.5) and 0.992 (shift 0), where the
Euclidean embedding distance reached 0.93 and 0.98.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.covariance import LedoitWolf

from gans_fingerprints.distances import class_centroids, nearest_centroid
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.summary import format_number
from gans_fingerprints.layout import UNKNOWN_SUBSET

logger = logging.getLogger(__name__)


def nearest_centroid_distance(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest centroid: large for an image of no known generator."""
    if len(points) == 0:
        return np.zeros(0)
    _, distances = nearest_centroid(points, centroids)
    return distances.min(axis=1)


@dataclass(frozen=True)
class LayerMahalanobis:
    """Per layer: each class's centroid (k, d) and the precision (d, d) of the training points about their centroid
    (one covariance shared by the classes, Ledoit-Wolf shrunk: fewer points than dimensions is common); and the mean
    and deviation of the training points' own distances, which put the layers on one scale before they are summed."""

    centroids: list[np.ndarray]
    precisions: list[np.ndarray]
    means: np.ndarray
    scales: np.ndarray

    @classmethod
    def fit(cls, layers: list[np.ndarray], labels: np.ndarray, n_classes: int) -> LayerMahalanobis:
        """From each layer's training points (n, d) and their class indices."""
        labels = np.asarray(labels)
        centroids = [class_centroids(points, labels, n_classes) for points in layers]
        precisions = [LedoitWolf().fit(points - centre[labels]).precision_ for points, centre in zip(layers, centroids, strict=True)]
        partial = cls(centroids, precisions, np.zeros(len(layers)), np.ones(len(layers)))
        distances = partial.layer_distances(layers)
        scales = distances.std(axis=0)
        return cls(centroids, precisions, distances.mean(axis=0), np.where(scales > 0, scales, 1.0))

    def layer_distances(self, layers: list[np.ndarray]) -> np.ndarray:
        """Each point's squared Mahalanobis distance to its nearest class centroid, per layer (n, n_layers)."""
        columns = []
        for points, centre, precision in zip(layers, self.centroids, self.precisions, strict=True):
            offsets = np.asarray(points, np.float64)[:, None, :] - centre[None]
            columns.append(((offsets @ precision) * offsets).sum(axis=2).min(axis=1))
        return np.stack(columns, axis=1) if columns else np.zeros((0, 0))

    def score(self, layers: list[np.ndarray]) -> np.ndarray:
        """The open-set score: the layers' distances, each standardised by the training points', summed."""
        return ((self.layer_distances(layers) - self.means) / self.scales).sum(axis=1)

    def as_arrays(self) -> dict[str, Any]:
        """Plain arrays (``fit``'s fields) for a model bundle."""
        return {"centroids": self.centroids, "precisions": self.precisions, "means": self.means, "scales": self.scales}


def conformal_p_values(calibration: list[np.ndarray], scores: list[np.ndarray]) -> np.ndarray:
    """Cross-conformal p-values (Vovk 2015): for each image, (1 + the number of calibration scores at least as high
    as its own, counted per fold against that fold's network's score of the image) / (1 + all calibration scores).
    ``calibration[k]`` are fold k's out-of-fold scores of known images; ``scores[k]`` (n,) are the images' scores under
    fold k's network. A non-finite score is treated as the strangest possible (p-value 1 / (1 + n))."""
    at_least, total = np.zeros(len(scores[0]) if scores else 0), 0
    for known, raw in zip(calibration, scores, strict=True):
        ordered = np.sort(np.asarray(known, dtype=np.float64)[np.isfinite(known)])
        at_least += len(ordered) - np.searchsorted(ordered, np.where(np.isfinite(raw), raw, np.inf), side="left")
        total += len(ordered)
    return (1.0 + at_least) / (1.0 + total)


def unknown_threshold(scores: np.ndarray, keep_known: float) -> float | None:
    """The distance above which an image is called unknown: the ``keep_known`` quantile of the held-out known
    images' distances (so that share of them stays attributed); None without held-out images (JSON has no infinity)."""
    if len(scores) == 0:
        return None
    return float(np.quantile(scores, keep_known, method="higher"))


def beyond_threshold(distances: np.ndarray, threshold: float | None, params: dict[str, Any], method: str) -> np.ndarray:
    """Which images lie beyond ``threshold`` (none when no held-out image set one), logged when ``open_set.enabled``
    turns them into ``unknown``, with a warning when there was no threshold to apply."""
    beyond = np.zeros(len(distances), bool) if threshold is None else np.asarray(distances) > threshold
    if params["open_set"]["enabled"]:
        if threshold is None:
            logger.warning("%s: open_set.enabled, but no held-out generated images set a threshold: nothing is called %s.",
                           method, UNKNOWN_SUBSET)
        logger.info("%s: %d of %d test images are beyond the open-set threshold: called %s.", method, int(beyond.sum()),
                    len(beyond), UNKNOWN_SUBSET)
    return beyond


def open_set_labels(subsets: list[str], params: dict[str, Any]) -> list[str]:
    """The labels a run file may hold: the subsets, and ``unknown`` with ``open_set.enabled``."""
    return [*subsets, *([UNKNOWN_SUBSET] if params["open_set"]["enabled"] else [])]


def open_set_result(test: dict[str, Any]) -> str:
    """``, open set: 0.910 of known right, 0.700 of outsiders flagged`` for a summary row, when the test folder held
    outsiders; else ``""``."""
    if not test.get("ground_truth") or test.get("unknown_recall") is None:
        return ""
    known, flagged = format_number(test["known_accuracy"]), format_number(test["unknown_recall"])
    return f", open set: {known} of known right, {flagged} of outsiders flagged"


def keep_known_setting(params: dict[str, Any], pipeline: str) -> float:
    """``<pipeline>.open_set.keep_known``, refused in one line outside [0.5, 1]."""
    keep = float(params["open_set"]["keep_known"])
    if not 0.5 <= keep <= 1.0:
        raise UserInputError(f"{pipeline}.open_set.keep_known must be between 0.5 and 1, got {keep} (parameters_{pipeline}.yml).")
    return keep
