"""Monte-Carlo attack: the share of generated images within a percentile distance of a query."""

import numpy as np
import pytest

from gans_fingerprints.membership.attacks.monte_carlo import monte_carlo


def test_the_score_is_the_share_of_generated_images_within_epsilon():
    queries = np.array([[0.0], [100.0]])
    generated = np.array([[0.0], [1.0], [2.0], [3.0]])
    # distances 0, 1, 2, 3 and 100, 99, 98, 97: the median (50) takes all of the first query's, none of the second's
    assert monte_carlo(queries, generated, np.empty((0, 1)), epsilon_percentile=50).tolist() == pytest.approx([1.0, 0.0])
    assert monte_carlo(queries, generated, np.empty((0, 1)), epsilon_percentile=1).tolist() == pytest.approx([0.25, 0.0])
