"""Black-box membership attacks that need only generated images (higher score = more likely "used").

* ``gan_leaks``: minus the distance from a real image to its nearest generated image
  (GAN-Leaks' full black-box attack, Chen et al., CCS 2020).
* ``threshold_max``: the nearest-generated similarity calibrated by the nearest *other real*
  image: ``d(x, nearest real) − d(x, nearest generated)``. Positive means the best generated match
  beats every real–real match, VCMI's "threshold_max" rule (ImageCLEF 2023).
* ``domias``: log density ratio ``p_generated(x) / p_reference(x)`` with Gaussian kernel density
  estimates in a PCA space, the reference being known non-members (DOMIAS, van Breugel et al.,
  AISTATS 2023).
* ``monte_carlo``: the share of generated images within ε of x (Hilprecht et al., PoPETs 2019),
  ε being a percentile of all real-to-generated distances.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from sklearn.decomposition import PCA

from gans_fingerprints.distances import pairwise_distances

ATTACKS = ("gan_leaks", "threshold_max", "domias", "monte_carlo")
LABELLED_ATTACKS = frozenset({"domias"})
"""Attacks whose scores depend on known labels (DOMIAS's reference set of non-members)."""


def gan_leaks(queries: np.ndarray, generated: np.ndarray) -> np.ndarray:
    return -pairwise_distances(queries, generated).min(axis=1)


def threshold_max(reals: np.ndarray, generated: np.ndarray) -> np.ndarray:
    """Scores of every image of ``reals``, each calibrated by its nearest *other* image of ``reals``."""
    to_reals = pairwise_distances(reals, reals)
    np.fill_diagonal(to_reals, np.inf)
    return to_reals.min(axis=1) - pairwise_distances(reals, generated).min(axis=1)


def _log_kde(points: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """Log density of a Gaussian KDE of ``sample`` (Scott's bandwidth) at ``points``."""
    n, dim = sample.shape
    bandwidth = max(float(sample.std(axis=0).mean()), 1e-6) * n ** (-1.0 / (dim + 4))
    squared = pairwise_distances(points, sample) ** 2
    return logsumexp(-squared / (2 * bandwidth**2), axis=1) - np.log(n) - dim * np.log(bandwidth)


def domias(queries: np.ndarray, generated: np.ndarray, reference: np.ndarray, components: int = 8) -> np.ndarray:
    pca = PCA(n_components=min(components, len(reference) - 1, len(generated) - 1, queries.shape[1]), random_state=0)
    pca.fit(np.concatenate([generated, reference]))
    projected = [pca.transform(x) for x in (queries, generated, reference)]
    return _log_kde(projected[0], projected[1]) - _log_kde(projected[0], projected[2])


def monte_carlo(queries: np.ndarray, generated: np.ndarray, epsilon_percentile: float = 1.0) -> np.ndarray:
    distances = pairwise_distances(queries, generated)
    epsilon = np.percentile(distances, epsilon_percentile)
    return (distances <= epsilon).mean(axis=1)


def attack_scores(attack: str, reals: np.ndarray, generated: np.ndarray, reference: np.ndarray, params: dict) -> np.ndarray:
    """Scores of one attack for every image of ``reals`` (one split's real images) against that
    split's ``generated`` images; ``reference``: known non-members (used by ``domias`` only)."""
    if attack == "gan_leaks":
        return gan_leaks(reals, generated)
    if attack == "threshold_max":
        return threshold_max(reals, generated)
    if attack == "domias":
        return domias(reals, generated, reference, int(params["domias_components"]))
    if attack == "monte_carlo":
        return monte_carlo(reals, generated, float(params["epsilon_percentile"]))
    raise ValueError(f"unknown attack {attack!r}; choose from {ATTACKS}")
