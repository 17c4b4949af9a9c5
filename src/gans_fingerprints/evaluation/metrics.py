"""Metrics with the conventions the paper's tables use.

Subtask 1 ("used" = 1 is the positive class): Cohen's kappa, accuracy, precision, recall, F1.
Subtask 2: accuracy; precision, recall and F1 averaged weighted by class support (the paper's
Table 5: its recall equals its accuracy in every row) and macro; specificity as the mean over
classes of TN / (TN + FP).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)


def membership_metrics(truth: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    """Subtask 1 metrics, "used" (1) positive."""
    truth, predicted = np.asarray(truth, dtype=int), np.asarray(predicted, dtype=int)
    matrix = confusion_matrix(truth, predicted, labels=[0, 1])
    tn, fp, fn, tp = (int(v) for v in matrix.ravel())
    return {
        "kappa": float(cohen_kappa_score(truth, predicted, labels=[0, 1])),
        "accuracy": float(accuracy_score(truth, predicted)),
        "precision": float(precision_score(truth, predicted, pos_label=1, zero_division=0)),
        "recall": float(recall_score(truth, predicted, pos_label=1, zero_division=0)),
        "f1": float(f1_score(truth, predicted, pos_label=1, zero_division=0)),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def specificity_per_class(matrix: np.ndarray) -> np.ndarray:
    """TN / (TN + FP) of each class of a confusion matrix (rows = truth, columns = prediction)."""
    total = matrix.sum()
    false_positive = matrix.sum(axis=0) - np.diag(matrix)
    true_negative = total - matrix.sum(axis=1) - false_positive
    denominator = true_negative + false_positive
    return np.divide(true_negative, denominator, out=np.zeros(len(matrix)), where=denominator > 0)


def wilson_interval(right: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of a proportion of ``right`` out of ``n``."""
    interval = binomtest(int(right), int(n)).proportion_ci(0.95, method="wilson")
    return float(interval.low), float(interval.high)


def accuracy_interval(truth: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """The 95% Wilson interval of the accuracy (k right of n), as the Siamese's near-chance check uses.

    Not a bootstrap stratified by true class: a class whose images are all right (or all wrong), as
    when a network puts every image in one subset, never varies under it, and the interval shrinks to
    a point."""
    correct = np.asarray(truth) == np.asarray(predicted)
    if len(correct) == 0:
        return float("nan"), float("nan")
    return wilson_interval(int(correct.sum()), len(correct))


def attribution_metrics(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Subtask 2 metrics, with the per-class table and the confusion matrix (rows = truth)."""
    labels = list(labels)
    matrix = confusion_matrix(truth, predicted, labels=labels)
    metrics: dict[str, Any] = {"accuracy": float(accuracy_score(truth, predicted)), "n": len(truth)}
    metrics["accuracy_low"], metrics["accuracy_high"] = accuracy_interval(truth, predicted)
    for average in ("weighted", "macro"):
        precision, recall, f1, _ = precision_recall_fscore_support(
            truth, predicted, labels=labels, average=average, zero_division=0
        )
        metrics.update({f"precision_{average}": float(precision), f"recall_{average}": float(recall), f"f1_{average}": float(f1)})
    specificity = specificity_per_class(matrix)
    metrics["specificity"] = float(specificity.mean())
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    metrics["per_class"] = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "specificity": float(specificity[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    metrics["labels"] = labels
    metrics["confusion_matrix"] = matrix.tolist()
    return metrics
