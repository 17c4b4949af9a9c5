"""GAN-Leaks' full black-box attack (Chen et al., CCS 2020): minus the nearest-generated distance."""

from __future__ import annotations

import numpy as np

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.membership.registry import register_attack


@register_attack("gan_leaks")
def gan_leaks(queries: np.ndarray, generated: np.ndarray, reference: np.ndarray) -> np.ndarray:  # noqa: ARG001 - the shared signature
    return -pairwise_distances(queries, generated).min(axis=1)
