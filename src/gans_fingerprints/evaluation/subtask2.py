"""Subtask-2 steps every method shares: evaluation against ground truth and the run file."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.figures import confusion_figure
from gans_fingerprints.evaluation.metrics import attribution_metrics
from gans_fingerprints.evaluation.run_files import format_run_file, validate_run_file
from gans_fingerprints.layout import UNKNOWN_SUBSET

logger = logging.getLogger(__name__)


def make_subtask2_run_file(predictions: pd.DataFrame, test_manifest: pd.DataFrame, subsets: list[str], method: str) -> str:
    """``<image_id>,<subset>`` per test image, natural order; checked against the test folder's ids."""
    text = format_run_file(predictions["image_id"].astype(str).tolist(), predictions["subset"].astype(str).tolist())
    validate_run_file(text, test_manifest["image_id"].astype(str), subsets, source=f"{method} run file")
    return text


def evaluate_subtask2(
    predictions: pd.DataFrame, ground_truth: pd.DataFrame, validation: dict[str, Any], subsets: list[str], method: str
) -> tuple[dict[str, Any], Figure]:
    """Test metrics when ground truth exists (else none), and the confusion matrix figure.

    The figure shows the test set when it has ground truth, and the validation set otherwise.
    """
    if ground_truth.empty:
        logger.info("%s: no test ground truth; the confusion matrix shows the validation images.", method)
        attribution = validation["attribution"]
        labels = attribution.get("labels", subsets)  # the validation images' labels: no outsider among them
        return {"method": method, "ground_truth": False}, confusion_figure(attribution["confusion_matrix"], labels, f"{method}: validation")
    joined = predictions.merge(ground_truth, on="image_id", suffixes=("_predicted", "_true"), validate="one_to_one")
    if len(joined) != len(ground_truth):
        raise UserInputError(f"{method}: {len(ground_truth) - len(joined)} ground-truth ids have no prediction")
    truth, predicted = joined["subset_true"].astype(str), joined["subset_predicted"].astype(str)
    outsiders = (truth == UNKNOWN_SUBSET).to_numpy()
    labels = [*subsets, *([UNKNOWN_SUBSET] if outsiders.any() and UNKNOWN_SUBSET not in subsets else [])]
    metrics = attribution_metrics(truth, predicted, labels)
    if UNKNOWN_SUBSET in labels:  # specificity over the known subsets, as Table 5's (the outsider is not a subset)
        metrics["specificity"] = float(np.mean([v["specificity"] for k, v in metrics["per_class"].items() if k != UNKNOWN_SUBSET]))
    if outsiders.any():  # the benchmark's open-set check: images of a generator no subset trained
        known = ~outsiders
        metrics["known_accuracy"] = float((truth[known] == predicted[known]).mean()) if known.any() else None
        metrics["unknown_recall"] = float((predicted[outsiders] == UNKNOWN_SUBSET).mean())
        logger.info("%s: %d test images come from a generator no subset trained; %.3f of them are called %s, %.3f of the "
                    "others are right.", method, int(outsiders.sum()), metrics["unknown_recall"], UNKNOWN_SUBSET,
                    metrics["known_accuracy"] if metrics["known_accuracy"] is not None else float("nan"))
    logger.info(
        "%s on the test set: accuracy %.4f, weighted F1 %.4f, specificity %.4f",
        method,
        metrics["accuracy"],
        metrics["f1_weighted"],
        metrics["specificity"],
    )
    figure = confusion_figure(metrics["confusion_matrix"], labels, f"{method}: test")
    return {"method": method, "ground_truth": True, **metrics}, figure
