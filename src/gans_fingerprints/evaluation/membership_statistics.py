"""How sure a subtask-1 figure is: TPR at a fixed low FPR, and stratified bootstrap intervals for kappa and AUC.

TPR at 1% and 10% FPR is the membership-inference standard of Carlini et al. (S&P 2022): an attack
that is right about a few members with no false alarms matters more than its average. The
intervals resample the images with replacement within each class (members and non-members keep
their counts, so every resample has both) and take the 2.5th and 97.5th percentiles: with the
demo's 32 test reals a single kappa is a rough figure, and the interval says how rough.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_curve

BOOTSTRAP_RESAMPLES = 2000
LEVEL = 0.95


def tpr_at_fpr(truth: Sequence[int], scores: Sequence[float], fpr: float) -> float:
    """The highest true-positive rate the scores reach at a false-positive rate of at most ``fpr`` (1 = used).

    Every threshold counts (``drop_intermediate=False``: the thinned curve can drop the very point
    that meets ``fpr``). NaN when there are fewer than ``1 / fpr`` non-members: the smallest false-positive
    rate above zero is then larger than ``fpr``, and the figure would be TPR at 0% FPR under another name.
    """
    truth, scores = np.asarray(truth, dtype=int), np.asarray(scores, dtype=float)
    if (truth == 0).sum() < round(1 / fpr):
        return float("nan")
    false_positive, true_positive, _ = roc_curve(truth, scores, drop_intermediate=False)
    return float(true_positive[false_positive <= fpr + 1e-12].max())


def stratified_resamples(truth: np.ndarray, repeats: int, seed: int) -> np.ndarray:
    """(repeats, n) row indices: each row draws, with replacement, as many members as there are from the
    members and as many non-members from the non-members."""
    rng = np.random.default_rng(seed)
    columns = [rng.choice(np.flatnonzero(truth == label), size=(repeats, int((truth == label).sum())))
               for label in (1, 0) if (truth == label).any()]
    return np.concatenate(columns, axis=1)


def kappa_rows(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Cohen's kappa of each row of two (r, n) 0/1 arrays (NaN where chance agreement is already total)."""
    n = truth.shape[1]
    tp, tn = ((truth == 1) & (predicted == 1)).sum(1), ((truth == 0) & (predicted == 0)).sum(1)
    observed = (tp + tn) / n
    positives, predicted_positives = truth.sum(1), predicted.sum(1)
    expected = (positives * predicted_positives + (n - positives) * (n - predicted_positives)) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected < 1, (observed - expected) / (1 - expected), np.nan)


def auc_rows(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of (r, n) labels and scores, by the Mann-Whitney rank sum (ties count half)."""
    ranks = rankdata(scores, axis=1)
    positives = truth.sum(1)
    negatives = truth.shape[1] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ranks * truth).sum(1) - positives * (positives + 1) / 2) / (positives * negatives)


def _interval(values: np.ndarray) -> tuple[float, float]:
    if np.isnan(values).all():
        return float("nan"), float("nan")
    low, high = np.nanpercentile(values, [100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2])
    return float(low), float(high)


def membership_intervals(
    truth: Sequence[int], predicted: Sequence[int], scores: Sequence[float], repeats: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> dict[str, float]:
    """Stratified percentile-bootstrap 95% intervals of kappa (of the decisions) and AUC (of the scores)."""
    truth, predicted, scores = np.asarray(truth, dtype=int), np.asarray(predicted, dtype=int), np.asarray(scores, dtype=float)
    rows = stratified_resamples(truth, repeats, seed)
    kappa_low, kappa_high = _interval(kappa_rows(truth[rows], predicted[rows]))
    both_classes = truth.min() == 0 and truth.max() == 1
    auc_low, auc_high = _interval(auc_rows(truth[rows], scores[rows])) if both_classes else (float("nan"), float("nan"))
    return {"kappa_low": kappa_low, "kappa_high": kappa_high, "auc_low": auc_low, "auc_high": auc_high}
