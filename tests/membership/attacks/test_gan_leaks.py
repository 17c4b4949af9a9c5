"""GAN-Leaks: minus the distance to the nearest generated image."""

import numpy as np
import pytest

from gans_fingerprints.membership.attacks.gan_leaks import gan_leaks


def test_the_score_is_minus_the_nearest_generated_distance():
    queries = np.array([[0.0, 0.0], [3.0, 4.0]])
    generated = np.array([[0.0, 1.0], [10.0, 10.0], [3.0, 4.0]])
    assert gan_leaks(queries, generated, np.empty((0, 2))).tolist() == pytest.approx([-1.0, 0.0])
