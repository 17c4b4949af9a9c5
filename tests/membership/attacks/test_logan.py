"""LOGAN-style classifier attack: generated images against known non-members."""

import numpy as np

from gans_fingerprints.membership.attacks.logan import logan


def test_a_query_near_the_generated_images_scores_on_their_side():
    rng = np.random.default_rng(0)
    generated, reference = rng.normal(2, 1, (40, 6)), rng.normal(-2, 1, (40, 6))
    scores = logan(np.array([[2.0] * 6, [-2.0] * 6]), generated, reference, components=50)  # capped at 6 dimensions
    assert scores.shape == (2,) and scores[0] > 0 > scores[1]


def test_copies_of_members_among_the_generated_images_pull_members_to_that_side():
    """Same population on both sides: only the copies separate members from non-members."""
    rng = np.random.default_rng(1)
    members, non_members = rng.normal(size=(15, 8)), rng.normal(size=(15, 8))
    generated = np.concatenate([members + rng.normal(scale=0.02, size=members.shape), rng.normal(size=(25, 8))])
    scores = logan(np.concatenate([members, non_members]), generated, rng.normal(size=(40, 8)), components=8)
    assert scores[:15].mean() > scores[15:].mean()
    assert (np.argsort(-scores)[:10] < 15).sum() >= 8, "at least eight of the ten most member-like are members"
