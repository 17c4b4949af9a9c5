"""Monte-Carlo attack (Hilprecht et al., PoPETs 2019): the share of generated images within ε of a query."""

from __future__ import annotations

import numpy as np

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.membership.registry import register_attack


@register_attack("monte_carlo")
def monte_carlo(
    queries: np.ndarray, generated: np.ndarray, reference: np.ndarray, epsilon_percentile: float = 1.0  # noqa: ARG001
) -> np.ndarray:
    """ε is ``epsilon_percentile`` of all query-to-generated distances."""
    distances = pairwise_distances(queries, generated)
    epsilon = np.percentile(distances, float(epsilon_percentile))
    return (distances <= epsilon).mean(axis=1)
