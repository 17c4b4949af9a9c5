"""The nearest-real distances find the real a near copy was made from, even shifted by a pixel or two."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from gans_fingerprints.models.nearest_real import NearestRealConfig, distance_unit, nearest_real_distances, reduced

SIZE = 48


def _reals(count: int, rng: np.random.Generator) -> np.ndarray:
    smooth = gaussian_filter(rng.normal(size=(count, SIZE, SIZE)), sigma=(0, 3, 3))
    return np.clip(128 + 300 * smooth, 0, 255).astype(np.uint8)


def _near_copies(reals: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each real shifted by up to 2 px in each direction, with noise: what a memorising generator emits."""
    shifted = [np.roll(r, tuple(rng.integers(-2, 3, size=2)), axis=(0, 1)) for r in reals.astype(float)]
    return np.clip(np.stack(shifted) + rng.normal(scale=8, size=reals.shape), 0, 255).astype(np.uint8)


def test_near_copies_are_nearest_to_their_own_class_and_far_below_the_unit():
    rng = np.random.default_rng(0)
    reals = _reals(30, rng)
    labels = np.repeat(np.arange(3), 10)
    config = NearestRealConfig(size=24, sigma=1.0, max_shift=1, batch_size=7)  # batches that do not divide the images
    references = reduced(reals, config)
    copies = _near_copies(reals, rng)
    distances = nearest_real_distances(copies, references, labels, 3, config) / distance_unit(references, config)
    assert distances.shape == (30, 3)
    assert (distances.argmin(1) == labels).all()
    assert np.median(distances.min(1)) < 0.5, "a near copy is much closer than two different reals"
    strangers = nearest_real_distances(_reals(10, rng), references, labels, 3, config) / distance_unit(references, config)
    assert strangers.min(1).min() > distances.min(1).max(), "new content is farther than every near copy"
    rows = np.array([5, 20])
    np.testing.assert_allclose(nearest_real_distances(copies, references, labels, 3, config, rows=rows)[:, 0],
                               nearest_real_distances(copies[rows], references, labels, 3, config)[:, 0])


def test_the_shift_search_finds_a_displaced_copy_the_plain_distance_misses():
    rng = np.random.default_rng(1)
    reals = _reals(2, rng)
    displaced = np.roll(reals[:1], (2, 2), axis=(1, 2))  # a copy of real 0, 2 px off at 48 px (1 px at 24)
    plain, searched = NearestRealConfig(size=24, sigma=0.0, max_shift=0), NearestRealConfig(size=24, sigma=0.0, max_shift=1)
    zero_shift = nearest_real_distances(displaced, reduced(reals, plain), np.array([0, 1]), 2, plain)
    with_shift = nearest_real_distances(displaced, reduced(reals, searched), np.array([0, 1]), 2, searched)
    assert with_shift[0, 0] < 1e-3 < zero_shift[0, 0]


def test_a_class_without_reals_and_bad_settings_are_refused():
    config = NearestRealConfig(size=24)
    references = reduced(_reals(4, np.random.default_rng(2)), config)
    with pytest.raises(ValueError, match="no real image of class"):
        nearest_real_distances(_reals(2, np.random.default_rng(3)), references, np.zeros(4, int), 2, config)
    with pytest.raises(ValueError, match="max_shift"):
        NearestRealConfig(size=8, max_shift=2)
    assert distance_unit(references[:1], config) == 1.0
