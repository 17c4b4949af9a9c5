"""Decisions come from cross-validated thresholds on score ranks."""

import numpy as np
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.membership.decision import best_threshold, cross_validated, ranks
from gans_fingerprints.membership.registry import attack_scores
from tests.membership.harness import constructed_example


def test_threshold_and_ranks():
    assert ranks(np.array([10.0, 30.0, 20.0])).tolist() == pytest.approx([1 / 3, 1.0, 2 / 3])
    rank_scores, labels = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9]), np.array([0, 0, 0, 1, 1, 1])
    threshold = best_threshold(rank_scores, labels)
    assert 0.3 <= threshold < 0.7


def test_cross_validation_never_shows_held_out_labels_to_the_scorer():
    reals, generated, reference, labels = constructed_example()
    seen = []

    def fold_scores(train_index, held_out_index):
        seen.append(set(held_out_index))
        scores = attack_scores("gan_leaks", reals, generated, reference, {})
        return scores[train_index], scores[held_out_index]

    _, predictions = cross_validated(labels, fold_scores, folds=5, seed=0)
    assert set().union(*seen) == set(range(20)) and sum(len(s) for s in seen) == 20
    assert (predictions == labels).mean() == 1.0


def test_too_many_folds_for_the_labels_is_a_clear_error():
    with pytest.raises(UserInputError, match="cv_folds=5 needs at least 5 used and 5 not-used"):
        cross_validated(np.array([1, 1, 1, 0, 0, 0]), lambda tr, ho: (tr * 1.0, ho * 1.0), folds=5, seed=0)
