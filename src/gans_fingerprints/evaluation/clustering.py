"""Clustering as a classifier: fit clusters, then name each cluster after the subset it matches best.

The authors' script compared raw cluster ids with subset labels, which measures nothing (cluster
0 need not be subset t1). Here each cluster is mapped to a subset by optimal assignment
(the Hungarian algorithm) on the training labels, and only then scored on held-out images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import AgglomerativeClustering, KMeans

from gans_fingerprints.distances import nearest_centroid
from gans_fingerprints.layout import natural_key


def map_clusters_to_labels(clusters: Sequence[int], labels: Sequence[str], classes: Sequence[str]) -> dict[int, str]:
    """One subset per cluster, maximising the training images whose cluster's subset is their own."""
    clusters, labels, classes = np.asarray(clusters), np.asarray(labels).astype(str), list(classes)
    n = max(len(classes), int(clusters.max()) + 1 if len(clusters) else 0)
    counts = np.zeros((n, len(classes)), dtype=int)
    for cluster, label in zip(clusters, labels, strict=True):
        counts[cluster, classes.index(label)] += 1
    rows, columns = linear_sum_assignment(-counts)
    mapping = {int(r): classes[c] for r, c in zip(rows, columns, strict=True)}
    for cluster in range(n):  # more clusters than classes: the extra ones take their majority class
        mapping.setdefault(cluster, classes[int(counts[cluster].argmax())])
    return mapping


def fit_kmeans(features: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k-means centres (k, F), seeded."""
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit(features).cluster_centers_


def fit_agglomerative(features: np.ndarray, k: int, linkage: str, max_samples: int, seed: int) -> np.ndarray:
    """Centres (k, F) of agglomerative clusters; new points join the nearest centre.

    Agglomerative clustering needs memory quadratic in the number of points, so at most
    ``max_samples`` rows (a seeded random subset) are clustered.
    """
    rows = np.arange(len(features))
    if len(rows) > max_samples:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=max_samples, replace=False))
    labels = AgglomerativeClustering(n_clusters=k, linkage=linkage).fit_predict(features[rows])
    return np.stack([features[rows][labels == c].mean(axis=0) for c in range(k)])


class ClusterAttribution(ClassifierMixin, BaseEstimator):
    """A clusterer as a scikit-learn classifier: one cluster per subset seen in ``fit``, each named
    after a subset by :func:`map_clusters_to_labels`; a new point takes its nearest centre's subset."""

    def _centres(self, features: np.ndarray, k: int) -> np.ndarray:
        raise NotImplementedError

    def fit(self, features: np.ndarray, subsets: Sequence[str]) -> ClusterAttribution:
        labels = np.asarray(subsets).astype(str)
        self.classes_ = np.array(sorted(set(labels), key=natural_key))
        self.cluster_centers_ = self._centres(np.asarray(features), len(self.classes_))
        self.cluster_to_subset_ = map_clusters_to_labels(self.clusters(features), labels, list(self.classes_))
        return self

    def clusters(self, features: np.ndarray) -> np.ndarray:
        """Index of every point's nearest cluster centre."""
        return nearest_centroid(features, self.cluster_centers_)[0]

    def predict(self, features: np.ndarray) -> np.ndarray:
        return np.array([self.cluster_to_subset_[int(c)] for c in self.clusters(features)])


class KMeansAttribution(ClusterAttribution):
    """k-means (10 seeded restarts) as a subset classifier."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def _centres(self, features: np.ndarray, k: int) -> np.ndarray:
        return fit_kmeans(features, k, self.random_state)


class AgglomerativeAttribution(ClusterAttribution):
    """Agglomerative clustering (on at most ``max_samples`` points) as a subset classifier."""

    def __init__(self, linkage: str = "ward", max_samples: int = 10000, random_state: int = 0) -> None:
        self.linkage = linkage
        self.max_samples = max_samples
        self.random_state = random_state

    def _centres(self, features: np.ndarray, k: int) -> np.ndarray:
        return fit_agglomerative(features, k, self.linkage, self.max_samples, self.random_state)
