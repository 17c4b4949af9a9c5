"""The open-set decision: a threshold that keeps the asked share of held-out known images."""

import numpy as np
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.open_set import keep_known_setting, nearest_centroid_distance, unknown_threshold


def test_threshold_keeps_the_asked_share_of_known_images():
    scores = np.arange(1, 101, dtype=float)
    assert unknown_threshold(scores, 0.9) == 91.0 and (scores <= unknown_threshold(scores, 0.9)).mean() >= 0.9
    assert unknown_threshold(scores[:20], 0.98) == 20.0, "with few held-out images: their largest"
    assert unknown_threshold(np.zeros(0), 0.9) is None, "no held-out images: no threshold (JSON has no infinity)"


def test_the_distance_is_to_the_nearest_centroid():
    centroids = np.array([[0.0, 0.0], [10.0, 0.0]])
    np.testing.assert_allclose(nearest_centroid_distance(np.array([[1.0, 0.0], [10.0, 3.0]]), centroids), [1.0, 3.0])
    assert nearest_centroid_distance(np.zeros((0, 2)), centroids).shape == (0,)


def test_keep_known_outside_its_range_is_refused():
    assert keep_known_setting({"open_set": {"keep_known": 0.98}}, "subtask2_siamese") == 0.98
    with pytest.raises(UserInputError, match=r"subtask2_siamese\.open_set\.keep_known must be between 0\.5 and 1, got 1\.5"):
        keep_known_setting({"open_set": {"keep_known": 1.5}}, "subtask2_siamese")


def test_conformal_p_values_count_ties_as_at_least_as_strange_per_fold():
    from gans_fingerprints.evaluation.open_set import conformal_p_values

    p = conformal_p_values([np.array([1.0, 2.0, 2.0, 3.0])], [np.array([2.0, 0.0, 5.0])])
    np.testing.assert_allclose(p, [4 / 5, 5 / 5, 1 / 5])  # ties count; beyond every known image: the smallest p-value
    two_folds = conformal_p_values([np.array([1.0, 2.0]), np.array([10.0, 20.0])], [np.array([1.5]), np.array([25.0])])
    np.testing.assert_allclose(two_folds, [(1 + 1 + 0) / 5]), "each fold's network is compared with its own scores only"
    np.testing.assert_allclose(conformal_p_values([np.array([1.0, np.nan])], [np.array([np.nan, 0.0])]), [1 / 2, 2 / 2])
