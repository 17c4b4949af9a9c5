"""Euclidean distances between two sets of vectors (numpy; the Siamese network's torch versions are in
``models.siamese``)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist


def pairwise_distances(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Distances (len(first), len(second)) in float64, by scipy's ``cdist``: from the differences
    themselves, so near-zero distances, which matter for membership attacks, keep their precision."""
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if len(first) == 0 or len(second) == 0:
        return np.zeros((len(first), len(second)))
    return cdist(first, second)


def nearest_centroid(points: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centroid (Euclidean) of every point, and the distances to every centroid.

    The project's one nearest-centroid rule: cluster centres (k-means, Ward) and Siamese class
    centroids alike. scikit-learn's ``NearestCentroid`` fits its own centroids from labels, which
    neither the clustering (centres from the clusterer) nor the Siamese (optionally renormalised
    means) can use.
    """
    distances = pairwise_distances(points, centroids)
    return distances.argmin(axis=1), distances


def class_centroids(embeddings: np.ndarray, labels: np.ndarray, n_classes: int, renormalise: bool = False) -> np.ndarray:
    """Mean embedding of each class (optionally scaled back to unit length): the Siamese network's subset centroids
    and the fingerprint classifier's open-set reference points."""
    centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in range(n_classes)])
    if renormalise:
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True).clip(min=1e-12)
    return centroids
