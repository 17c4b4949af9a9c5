"""GAN-Leaks' calibrated attack (Chen et al., CCS 2020, section 5.4): the nearest-generated distance minus the
nearest distance to the images of a reference generator, one of the same family trained on other images of the
same population.

Some images are close to whatever such a generator makes (a common pose, plain anatomy) and others far from it;
the raw distance ranks them by that as much as by membership. The reference generator has the same habits and
none of the target's members, so subtracting its distance leaves what the target learned from the query itself.
``reference`` here is that generator's images, not known non-members (``needs_reference_generator``).
"""

from __future__ import annotations

import numpy as np

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.membership.registry import register_attack


@register_attack("gan_leaks_calibrated", needs_reference_generator=True)
def gan_leaks_calibrated(queries: np.ndarray, generated: np.ndarray, reference: np.ndarray) -> np.ndarray:
    if len(reference) == 0:
        raise ValueError("gan_leaks_calibrated needs the reference generator's images; none were given")
    return pairwise_distances(queries, reference).min(axis=1) - pairwise_distances(queries, generated).min(axis=1)
