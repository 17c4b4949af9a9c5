"""Subtask-1 steps every method shares: inputs, run files, comparison of methods, ROC figure."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import RocCurveDisplay, roc_auc_score

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.metrics import membership_metrics
from gans_fingerprints.evaluation.run_files import format_run_file, validate_run_file
from gans_fingerprints.layout import LAYOUT_DOC, MEMBERSHIP_USED

RESULT_COLUMNS = ["method", "image_id", "rank", "prediction"]


def subtask1_rows(train_manifest: pd.DataFrame, test_manifest: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The labelled training reals (label 1 = used), the training generated images, and the test ones."""
    if train_manifest.empty or test_manifest.empty:
        raise UserInputError(
            f"Subtask 1 needs both subtask1/train and subtask1/test ({LAYOUT_DOC}); run the 'ingestion' pipeline "
            "on a release that has them, or build the benchmark."
        )
    reals = train_manifest[train_manifest["role"] == "real"].reset_index(drop=True)
    return {
        "train_real": reals.assign(label=(reals["membership"] == MEMBERSHIP_USED).astype(int)),
        "train_generated": train_manifest[train_manifest["role"] == "generated"].reset_index(drop=True),
        "test_real": test_manifest[test_manifest["role"] == "real"].reset_index(drop=True),
        "test_generated": test_manifest[test_manifest["role"] == "generated"].reset_index(drop=True),
    }


def method_run_file(test_results: pd.DataFrame, method: str) -> str:
    rows = test_results[test_results["method"] == method]
    return format_run_file(rows["image_id"].astype(str).tolist(), rows["prediction"].astype(int).tolist())


def validate_subtask1_run_files(test_manifest: pd.DataFrame, **run_files: str) -> dict[str, Any]:
    """Check every written run file against the test folder's real images (the 2023 validator's rules)."""
    ids = test_manifest.loc[test_manifest["role"] == "real", "image_id"].astype(str)
    for name, text in run_files.items():
        validate_run_file(text, ids, ["0", "1"], source=f"{name} (subtask1/test/real_unknown has {len(ids)} images)")
    return {"checked": sorted(run_files), "test_images": len(ids), "valid": True}


def _metrics_rows(results: pd.DataFrame, truth: pd.DataFrame | None, prefix: str) -> dict[str, dict[str, float]]:
    rows = {}
    for method, rows_of_method in results.groupby("method", sort=False):
        group = rows_of_method
        if truth is not None:
            group = group.drop(columns=[c for c in ("label",) if c in group]).merge(truth, on="image_id")
        metrics = membership_metrics(group["label"], group["prediction"])
        metrics["auc"] = float(roc_auc_score(group["label"], group["rank"])) if group["label"].nunique() == 2 else float("nan")
        rows[method] = {f"{prefix}_{k}": v for k, v in metrics.items() if k in ("kappa", "accuracy", "precision", "recall", "f1", "auc")}
    return rows


def compare_subtask1_methods(ground_truth: pd.DataFrame, **results: pd.DataFrame) -> tuple[pd.DataFrame, Figure]:
    """One row per method: cross-validated metrics on the training reals (always) and test metrics
    (when ground truth exists), sorted by kappa; and ROC curves of every method.

    ``results`` holds ``<source>_cv`` and ``<source>_test`` decision tables of each pipeline.
    """
    cv = pd.concat([table for name, table in results.items() if name.endswith("_cv")], ignore_index=True)
    test = pd.concat([table for name, table in results.items() if name.endswith("_test")], ignore_index=True)
    table = pd.DataFrame(_metrics_rows(cv, None, "cv")).T
    has_truth = not ground_truth.empty
    if has_truth:
        table = table.join(pd.DataFrame(_metrics_rows(test, ground_truth[["image_id", "label"]], "test")).T)
    table = table.sort_values("test_kappa" if has_truth else "cv_kappa", ascending=False)
    table.index.name = "method"

    panels = [("cross-validated, training reals", cv, None)] + ([("test", test, ground_truth)] if has_truth else [])
    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 5), squeeze=False)
    for axis, (title, results_table, truth) in zip(axes[0], panels, strict=True):
        for method, rows_of_method in results_table.groupby("method", sort=False):
            group = rows_of_method if truth is None else rows_of_method.merge(truth[["image_id", "label"]], on="image_id")
            RocCurveDisplay.from_predictions(group["label"], group["rank"], name=method, ax=axis, plot_chance_level=False)
        axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
        axis.set(title=f"subtask 1 ROC: {title}", xlabel="false positive rate", ylabel="true positive rate")
        axis.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return table.reset_index(), figure
