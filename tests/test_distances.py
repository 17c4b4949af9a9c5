import numpy as np

from gans_fingerprints.distances import pairwise_distances


def test_pairwise_distances_match_numpy():
    a, b = np.random.default_rng(0).normal(size=(7, 5)), np.random.default_rng(1).normal(size=(4, 5))
    expected = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    assert np.allclose(pairwise_distances(a, b), expected, rtol=1e-12)
    assert pairwise_distances(a[:0], b).shape == (0, 4) and pairwise_distances(a, b[:0]).shape == (7, 0)


def test_near_copies_keep_their_distance():
    """The expanded form |a|² − 2ab + |b|² cancels to 0 (or noise) for far-from-origin near copies."""
    far = np.full((1, 4096), 100.0, dtype=np.float32)
    near_copy = far + np.float32(1e-3) * np.eye(1, 4096, dtype=np.float32)
    assert np.isclose(pairwise_distances(far, near_copy)[0, 0], 1e-3, rtol=1e-3)
    assert pairwise_distances(far, far)[0, 0] == 0.0
