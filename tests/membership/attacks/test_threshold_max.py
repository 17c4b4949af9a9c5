"""threshold_max: the nearest generated match calibrated by the nearest other real image."""

import numpy as np
import pytest

from gans_fingerprints.membership.attacks.threshold_max import threshold_max


def test_the_score_is_nearest_other_real_minus_nearest_generated():
    reals = np.array([[0.0], [1.0], [10.0]])
    generated = np.array([[0.5], [10.0]])
    # nearest other real: 1, 1, 9 (an image is never its own neighbour); nearest generated: 0.5, 0.5, 0
    assert threshold_max(reals, generated, np.empty((0, 1))).tolist() == pytest.approx([0.5, 0.5, 9.0])
