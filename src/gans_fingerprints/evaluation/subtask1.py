"""Subtask-1 steps every method shares: inputs, run files, comparison of methods, ROC figure."""

from __future__ import annotations

import logging
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import mannwhitneyu
from sklearn.metrics import RocCurveDisplay, roc_auc_score

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.membership_statistics import membership_intervals, tpr_at_fpr
from gans_fingerprints.evaluation.metrics import membership_metrics
from gans_fingerprints.evaluation.run_files import format_run_file, validate_run_file
from gans_fingerprints.evaluation.summary import SUMMARY_SUFFIX, concatenate_summaries, method_summary
from gans_fingerprints.layout import LAYOUT_DOC, MEMBERSHIP_USED

logger = logging.getLogger(__name__)
RESULT_COLUMNS = ["method", "image_id", "rank", "prediction"]
REPORTED = ("kappa", "accuracy", "precision", "recall", "f1", "auc",
            "kappa_low", "kappa_high", "auc_low", "auc_high", "tpr_at_1_fpr", "tpr_at_10_fpr")
"""Per method and split: the paper's Table 3 columns, AUC, 95% bootstrap intervals and TPR at 1% and 10% FPR."""


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
        both_classes = group["label"].nunique() == 2
        metrics["auc"] = float(roc_auc_score(group["label"], group["rank"])) if both_classes else float("nan")
        for fpr in (1, 10):
            metrics[f"tpr_at_{fpr}_fpr"] = tpr_at_fpr(group["label"], group["rank"], fpr / 100) if both_classes else float("nan")
        metrics.update(membership_intervals(group["label"], group["prediction"], group["rank"]))
        rows[method] = {f"{prefix}_{k}": v for k, v in metrics.items() if k in REPORTED}
    return rows


CONTROL_ALPHA = 0.05
"""Family-wise error rate of the null-control flags: each control is tested at ``CONTROL_ALPHA / m``
(Bonferroni over the ``m`` controls of one summary), so a table of a dozen methods at chance is not
expected to flag one of them by luck, as a dozen 95% intervals would about half the time."""


def _control_p_values(control_results: pd.DataFrame) -> dict[str, float]:
    """Per method, the two-sided Mann-Whitney p-value of its null control's AUC against 0.5."""
    p_values = {}
    for method, group in control_results.groupby("method", sort=False):
        used, not_used = group.loc[group["label"] == 1, "rank"], group.loc[group["label"] == 0, "rank"]
        measurable = len(used) and len(not_used)
        p_values[method] = float(mannwhitneyu(used, not_used, alternative="two-sided").pvalue) if measurable else float("nan")
    return p_values


def _control_columns(method: str, control: dict[str, dict[str, float]], p_values: dict[str, float]) -> tuple[dict[str, float], str]:
    """A method's null-control AUC, interval and p-value, and what the validation text says of it."""
    if method not in control:
        return {}, "; no null control"
    scores, p_value = control[method], p_values.get(method, float("nan"))
    columns = {"control_auc": scores["control_auc"], "control_auc_low": scores["control_auc_low"],
               "control_auc_high": scores["control_auc_high"], "control_p_value": p_value}
    if np.isnan(p_value) or np.isnan(scores["control_auc"]):
        return columns, "; null control NOT MEASURED (it needs used and not-used training reals)"
    text = (f"; null control AUC {scores['control_auc']:.2f} [{scores['control_auc_low']:.2f}, {scores['control_auc_high']:.2f}]"
            f" p={p_value:.2g}")
    level = CONTROL_ALPHA / max(len(control), 1)
    if p_value < level:
        logger.warning("%s: the null control's AUC %.2f is off chance (p=%.2g < %.2g, Bonferroni over %d controls): its signal "
                       "may come from the split (used vs not-used reals differ), not from membership.",
                       method, scores["control_auc"], p_value, level, len(control))
        text += " OFF CHANCE: the signal may come from the split, not membership"
    return columns, text


def summarise_subtask1(
    cv_results: pd.DataFrame, test_results: pd.DataFrame, ground_truth: pd.DataFrame, settings: str, weights: dict[str, str],
    control_results: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A subtask-1 pipeline's summary (shared schema): per method, cross-validated metrics on the
    training reals and, when ground truth exists, test metrics; the paper's Table 3 columns; and the
    AUC of the method's null control (``control_results``: the same cross-validation where neither
    side is a member), flagged when its Mann-Whitney test rejects chance at the Bonferroni level."""
    cv = _metrics_rows(cv_results, None, "cv")
    control = _metrics_rows(control_results, None, "control") if control_results is not None else {}
    p_values = _control_p_values(control_results) if control_results is not None else {}
    has_truth = ground_truth is not None and not ground_truth.empty
    test = _metrics_rows(test_results, ground_truth[["image_id", "label"]], "test") if has_truth else {}
    rows = []
    for method, scores in cv.items():
        control_columns, control_text = _control_columns(method, control, p_values)
        rows.append({
            "subtask": 1, "method": method, "table": "Table 3",
            "main_metric": "test kappa" if has_truth else "cross-validated kappa",
            "main_value": test[method]["test_kappa"] if has_truth else scores["cv_kappa"],
            "validation": (f"cv kappa {scores['cv_kappa']:.3f} [{scores['cv_kappa_low']:.2f}, {scores['cv_kappa_high']:.2f}], "
                           f"cv AUC {scores['cv_auc']:.3f} [{scores['cv_auc_low']:.2f}, {scores['cv_auc_high']:.2f}]{control_text}"),
            **{f"validation_{k.removeprefix('cv_')}": v for k, v in scores.items()},
            **test.get(method, {}),
            **control_columns,
            "weights": weights[method], "settings": settings,
        })
    return method_summary(rows)


def _plot_intervals(axis: Any, table: pd.DataFrame, prefix: str) -> None:
    """Each method's kappa and AUC with their 95% bootstrap intervals, chance marked (kappa 0, AUC 0.5)."""
    positions = np.arange(len(table))
    for offset, metric, colour, chance in ((-0.15, "kappa", "tab:blue", 0.0), (0.15, "auc", "tab:orange", 0.5)):
        value = table[f"{prefix}_{metric}"].astype(float)
        low, high = table[f"{prefix}_{metric}_low"].astype(float), table[f"{prefix}_{metric}_high"].astype(float)
        axis.errorbar(value, positions + offset, xerr=[(value - low).clip(lower=0), (high - value).clip(lower=0)], fmt="o",
                      color=colour, capsize=3, label=f"{metric} (chance {chance:g})")
        axis.axvline(chance, color=colour, linestyle=":", linewidth=1)
    if "control_auc" in table and table["control_auc"].notna().any():
        control = table["control_auc"].astype(float)
        axis.errorbar(control, positions + 0.3, xerr=[(control - table["control_auc_low"].astype(float)).clip(lower=0),
                                                      (table["control_auc_high"].astype(float) - control).clip(lower=0)],
                      fmt="s", color="grey", capsize=3, label="null-control AUC (must include 0.5)")
    axis.set_yticks(positions, table["method"], fontsize=7)
    axis.invert_yaxis()
    axis.set(xlim=(-1.05, 1.05), title=f"subtask 1 {'test' if prefix == 'test' else 'cross-validated'}: 95% bootstrap intervals")
    axis.legend(fontsize=7, loc="lower left")


def compare_subtask1_methods(ground_truth: pd.DataFrame, **results: pd.DataFrame) -> tuple[pd.DataFrame, Figure]:
    """Every subtask-1 method in one table (its pipelines' summaries, best first by test kappa, or by
    cross-validated kappa without ground truth) and the ROC curves of every method.

    ``results`` holds each pipeline's ``<source>_summary`` and its ``<source>_cv`` and
    ``<source>_test`` decision tables.
    """
    table = concatenate_summaries({name: t for name, t in results.items() if name.endswith(SUMMARY_SUFFIX)})
    table = table.sort_values("main_value", ascending=False).reset_index(drop=True)
    cv = pd.concat([t for name, t in results.items() if name.endswith("_cv")], ignore_index=True)
    test = pd.concat([t for name, t in results.items() if name.endswith("_test")], ignore_index=True)
    has_truth = not ground_truth.empty
    panels = [("cross-validated, training reals", cv, None)] + ([("test", test, ground_truth)] if has_truth else [])
    figure, axes = plt.subplots(1, len(panels) + 1, figsize=(6 * len(panels) + 7, 5), squeeze=False)
    _plot_intervals(axes[0][-1], table, "test" if has_truth else "validation")
    methods = list(dict.fromkeys(cv["method"]))
    colours = dict(zip(methods, plt.get_cmap("tab20").colors, strict=False))  # one colour per method, in both panels
    for axis, (title, results_table, truth) in zip(axes[0], panels, strict=False):
        for method, rows_of_method in results_table.groupby("method", sort=False):
            group = rows_of_method if truth is None else rows_of_method.merge(truth[["image_id", "label"]], on="image_id")
            style = {"color": colours.get(method), "linestyle": "--" if method.endswith("_features") else "-",
                     "linewidth": 2.5 if method in ("ensemble", "siamese") else 1.2}
            RocCurveDisplay.from_predictions(group["label"], group["rank"], name=method, ax=axis, plot_chance_level=False,
                                             curve_kwargs=style)
        axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
        axis.set(title=f"subtask 1 ROC: {title}", xlabel="false positive rate", ylabel="true positive rate")
        axis.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return table, figure
