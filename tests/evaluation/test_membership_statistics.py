"""TPR at low FPR and the stratified bootstrap: agree with scikit-learn, and the intervals cover known values."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from gans_fingerprints.evaluation.membership_statistics import (
    auc_rows,
    kappa_rows,
    membership_intervals,
    stratified_resamples,
    tpr_at_fpr,
)


def test_tpr_at_a_low_fpr_counts_the_members_found_before_the_first_false_alarms():
    truth = [1, 1, 1, 1] + [0] * 10
    scores = [9, 8, 1, 7, 6] + [0] * 9  # members 9, 8, 7, then a non-member (6), then member 1
    assert tpr_at_fpr(truth, scores, 0.09) != tpr_at_fpr(truth, scores, 0.09), "ten non-members cannot measure 9% FPR"
    assert tpr_at_fpr(truth, scores, 0.10) == 1.0, "one false alarm in ten (6) lets the fourth member (1) in"
    truth, scores = [1, 1, 1, 1] + [0] * 100, [9, 8, 1, 7, 6, 5] + [0] * 98
    assert tpr_at_fpr(truth, scores, 0.01) == pytest.approx(0.75), "one false alarm in 100: the three above 5"
    assert tpr_at_fpr(truth, scores, 0.02) == 1.0, "two let the fourth member (1) in"
    assert tpr_at_fpr([1] * 10 + [0] * 10, list(range(10)) + list(range(10, 20)), 0.1) == 0.0, "every member below"


def test_tpr_at_fpr_counts_every_threshold_with_ties():
    """Against a count over every distinct threshold, on rounded (tied) scores: the thinned ROC curve
    scikit-learn returns by default misses operating points (33 of 900 cases here before the fix)."""
    rng = np.random.default_rng(0)
    truth = np.r_[np.ones(20, int), np.zeros(20, int)]
    for _ in range(300):
        scores = (rng.normal(size=40) + truth).round(1)
        for fpr in (0.05, 0.1, 0.25):
            counted = max((((scores >= t) & (truth == 1)).sum() / 20 for t in np.unique(scores)
                           if ((scores >= t) & (truth == 0)).sum() / 20 <= fpr), default=0.0)
            assert tpr_at_fpr(truth, scores, fpr) == pytest.approx(counted)


def test_the_row_statistics_are_scikit_learns():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, (20, 30))
    truth[:, :2] = [1, 0]  # both classes in every row
    predicted, scores = rng.integers(0, 2, (20, 30)), rng.normal(size=(20, 30)).round(1)  # rounding makes ties
    for row in range(20):
        assert kappa_rows(truth, predicted)[row] == pytest.approx(cohen_kappa_score(truth[row], predicted[row]))
        assert auc_rows(truth, scores)[row] == pytest.approx(roc_auc_score(truth[row], scores[row]))


def test_resamples_keep_each_class_count():
    truth = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    rows = stratified_resamples(truth, 50, seed=1)
    assert rows.shape == (50, 8)
    assert (truth[rows].sum(1) == 3).all()


def test_the_intervals_cover_the_true_auc_and_kappa_about_95_percent_of_the_time():
    """Members' scores ~ N(1, 1), non-members' ~ N(0, 1): true AUC Φ(1/√2) = 0.760; deciding 'used' above 0.5
    gives true kappa 2·(Φ(0.5) − 0.5)... computed below from the two error rates."""
    true_auc = norm.cdf(1 / np.sqrt(2))
    recall, false_alarm = norm.sf(0.5 - 1), norm.sf(0.5)
    predicted_positive = (recall + false_alarm) / 2
    observed = (recall + 1 - false_alarm) / 2
    expected = 0.5 * predicted_positive + 0.5 * (1 - predicted_positive)
    true_kappa = (observed - expected) / (1 - expected)
    covered_auc = covered_kappa = 0
    trials = 100
    for trial in range(trials):
        rng = np.random.default_rng(trial)
        truth = np.repeat([1, 0], 60)
        scores = rng.normal(size=120) + truth
        intervals = membership_intervals(truth, (scores > 0.5).astype(int), scores, repeats=500, seed=trial)
        covered_auc += intervals["auc_low"] <= true_auc <= intervals["auc_high"]
        covered_kappa += intervals["kappa_low"] <= true_kappa <= intervals["kappa_high"]
    assert covered_auc >= 0.85 * trials and covered_kappa >= 0.85 * trials
    assert covered_auc < trials and covered_kappa < trials, "an interval that always covers is too wide to mean anything"


def test_one_class_only_has_no_auc_interval():
    intervals = membership_intervals([1, 1, 1], [1, 0, 1], [0.3, 0.2, 0.9], repeats=20)
    assert np.isnan(intervals["auc_low"]) and np.isnan(intervals["auc_high"])
