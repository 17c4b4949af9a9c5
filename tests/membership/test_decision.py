"""Decisions come from cross-validated thresholds on score ranks."""

import numpy as np
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.membership.decision import best_threshold, cross_fitted_ranks, cross_validated, ranks
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


def test_cross_fitted_ranks_never_score_an_image_with_a_reference_that_holds_it():
    labels = np.array([1] * 10 + [0] * 10)
    index = np.arange(3, 20)  # a training fold
    calls = []

    def score(query_index, reference_index):
        calls.append((set(query_index), set(reference_index)))
        return np.asarray(query_index, dtype=float)

    part_ranks = cross_fitted_ranks(labels, index, score, folds=4, seed=0)
    assert sorted(q for queries, _ in calls for q in queries) == index.tolist(), "each image scored once"
    assert ((0 < part_ranks) & (part_ranks <= 1)).all()
    for queries, reference in calls:
        assert not queries & reference and reference <= set(index) and all(labels[i] == 0 for i in reference)
        in_part = np.isin(index, sorted(queries))
        assert part_ranks[in_part].tolist() == ranks(index[in_part].astype(float)).tolist(), "ranked within its part"
    with pytest.raises(UserInputError, match="at least 3 used and 3 not-used reals in each training fold"):
        cross_fitted_ranks(labels, np.array([0, 1, 2, 10, 11]), score, folds=4, seed=0)
    with pytest.raises(UserInputError, match="non-finite scores"):
        cross_fitted_ranks(labels, index, lambda q, _reference: np.full(len(q), np.nan), folds=4, seed=0)


def test_a_reference_attack_on_null_data_is_not_fooled_by_its_own_fit():
    """No membership at all: LOGAN's classifier fits its reference non-members, so in-sample scores put every
    non-member below every member (kappa 1); the cross-fitted scores stay at chance."""
    rng = np.random.default_rng(0)
    reals, generated = rng.normal(size=(60, 12)), rng.normal(size=(60, 12))
    labels = np.array([1, 0] * 30)

    def score(query_index, reference_index):
        return attack_scores("logan", reals[query_index], generated, reals[reference_index], {"components": 8})

    in_sample = score(np.arange(60), np.flatnonzero(labels == 0))
    honest = cross_fitted_ranks(labels, np.arange(60), score, folds=5, seed=0)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(labels, in_sample) > 0.9
    assert 0.3 < roc_auc_score(labels, honest) < 0.7


def test_cross_fitting_uses_three_parts_even_under_two_folds_so_a_reference_keeps_two_of_three_non_members():
    labels = np.array([1, 1, 1, 0, 0, 0])
    references = []

    def score(query_index, reference_index):
        references.append(len(reference_index))
        return np.zeros(len(query_index))

    cross_fitted_ranks(labels, np.arange(6), score, folds=2, seed=0)
    assert references == [2, 2, 2]
