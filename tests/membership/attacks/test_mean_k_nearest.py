"""The paper's Siamese score: minus the mean distance to the k nearest generated images."""

import numpy as np

from gans_fingerprints.membership.registry import attack_scores
from tests.membership.harness import constructed_example


def test_the_siamese_score_is_gan_leaks_at_k_1_and_the_mean_distance_at_k_0():
    from gans_fingerprints.distances import pairwise_distances

    reals, generated, reference, _ = constructed_example()
    assert np.array_equal(attack_scores("mean_k_nearest", reals, generated, reference, {"k": 1}),
                          attack_scores("gan_leaks", reals, generated, reference))
    assert np.allclose(attack_scores("mean_k_nearest", reals, generated, reference, {"k": 0}),
                       -pairwise_distances(reals, generated).mean(axis=1))
    three = np.sort(pairwise_distances(reals, generated), axis=1)[:, :3].mean(axis=1)
    assert np.array_equal(attack_scores("mean_k_nearest", reals, generated, reference, {"k": 3}), -three)
