"""Calibrated GAN-Leaks: the nearest-generated distance, less the nearest distance to a reference generator's images."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from gans_fingerprints.membership.attacks.gan_leaks import gan_leaks
from gans_fingerprints.membership.attacks.gan_leaks_calibrated import gan_leaks_calibrated


def test_the_score_is_the_reference_distance_less_the_generated_distance():
    queries = np.array([[0.0, 0.0], [3.0, 4.0]])
    generated = np.array([[0.0, 1.0], [3.0, 4.0]])
    reference = np.array([[0.0, 2.0], [6.0, 8.0]])
    assert gan_leaks_calibrated(queries, generated, reference).tolist() == pytest.approx([2.0 - 1.0, np.hypot(3.0, 2.0) - 0.0])


def test_without_a_reference_generator_it_says_so():
    with pytest.raises(ValueError, match="reference generator's images"):
        gan_leaks_calibrated(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros((0, 3)))


def test_calibration_discounts_how_typical_a_query_is():
    """Half the population is a dense core, half a sparse halo, members and non-members alike. The target's
    images hold noisy copies of its members among draws of the population, so a core non-member is nearer its
    nearest generated image than a halo member's copy is: the raw distance confuses typical with member. A
    reference generator drawing the same population without the members is as near a typical query, and its
    distance cancels the confusion."""
    rng = np.random.default_rng(0)

    def population(count: int) -> np.ndarray:
        scale = np.where(rng.random(count) < 0.5, 0.3, 3.0)
        return rng.normal(size=(count, 8)) * scale[:, None]

    members, non_members = population(100), population(100)
    generated = np.concatenate([members + rng.normal(0, 0.5, members.shape), population(200)])
    reference = population(300)
    queries, labels = np.concatenate([members, non_members]), np.repeat([1, 0], 100)
    raw = roc_auc_score(labels, gan_leaks(queries, generated, reference[:0]))
    calibrated = roc_auc_score(labels, gan_leaks_calibrated(queries, generated, reference))
    assert raw < 0.68 and calibrated > raw + 0.1, (raw, calibrated)
    control = roc_auc_score(labels, gan_leaks_calibrated(queries, population(300), reference))
    assert abs(control - 0.5) < 0.1, "a target that trained on none of them: chance"
