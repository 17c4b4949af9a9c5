"""DOMIAS: log density ratio of the generated images over known non-members."""

import numpy as np

from gans_fingerprints.membership.attacks.domias import domias


def test_a_query_where_generated_images_crowd_scores_above_one_among_the_reference():
    rng = np.random.default_rng(0)
    generated, reference = rng.normal(3, 1, (40, 4)), rng.normal(-3, 1, (40, 4))
    queries = np.array([[3.0] * 4, [-3.0] * 4])
    scores = domias(queries, generated, reference, components=100)  # more components than dimensions: capped
    assert scores.shape == (2,) and np.isfinite(scores).all()
    assert scores[0] > 0 > scores[1]
