"""Nodes of ``reporting``: every method of both subtasks in one table (the paper's Tables 3-5 side by
side), a summary figure, and the key figures re-drawn from their data in one place."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.evaluation.figures import confusion_figure

COLUMNS = [
    "subtask", "method", "table", "main_metric", "main_value", "validation", "test_accuracy", "test_precision",
    "test_recall", "test_f1", "test_specificity", "test_kappa", "test_auc", "data", "weights", "settings",
]


def _data_description(ingestion_report: dict[str, Any], subtask: str) -> str:
    splits = ingestion_report["splits"]
    train, test = splits[f"{subtask}_train"], splits[f"{subtask}_test"]
    truth = ingestion_report["ground_truth"][f"{subtask}_test"]["present"]
    return (f"{train.get('root', '?')}: {train['images']} training / {test['images']} test images at "
            f"{train.get('image_size', '?')} px, test ground truth {'present' if truth else 'absent'}")


def build_results_table(
    ingestion_report: dict[str, Any],
    subtask2_siamese_validation: dict[str, Any],
    subtask2_siamese_test: dict[str, Any],
    subtask2_siamese_parameters: dict[str, Any],
    subtask2_features_results: pd.DataFrame,
    subtask1_comparison: pd.DataFrame,
) -> pd.DataFrame:
    """One row per method and subtask, with the data, weights and settings that produced it."""
    rows = []
    data1, data2 = _data_description(ingestion_report, "subtask1"), _data_description(ingestion_report, "subtask2")
    for _, row in subtask1_comparison.iterrows():
        tested = "test_kappa" in row and pd.notna(row.get("test_kappa"))
        rows.append({
            "subtask": 1, "method": row["method"], "table": "Table 3",
            "main_metric": "test kappa" if tested else "cross-validated kappa",
            "main_value": row["test_kappa"] if tested else row["cv_kappa"],
            "validation": f"cv kappa {row['cv_kappa']:.3f}, cv AUC {row['cv_auc']:.3f}",
            **{f"test_{k}": row.get(f"test_{k}") for k in ("accuracy", "precision", "recall", "f1", "kappa", "auc")},
            "data": data1, "weights": "n/a (pixels)" if row["method"].endswith("pixels") else "see parameters",
            "settings": "parameters_subtask1_siamese.yml" if row["method"] == "siamese" else "parameters_subtask1_membership.yml",
        })
    siamese_tested = subtask2_siamese_test.get("ground_truth", False)
    rows.append({
        "subtask": 2, "method": "Siamese network", "table": "Table 5",
        "main_metric": "test accuracy" if siamese_tested else "validation accuracy (generated)",
        "main_value": subtask2_siamese_test["accuracy"] if siamese_tested else subtask2_siamese_validation["attribution"]["accuracy"],
        "validation": f"attribution {subtask2_siamese_validation['attribution']['accuracy']:.3f}, pair verification "
                      f"{subtask2_siamese_validation['pair_verification']['accuracy_cross_fitted']:.3f}",
        **({"test_accuracy": subtask2_siamese_test["accuracy"], "test_precision": subtask2_siamese_test["precision_weighted"],
            "test_recall": subtask2_siamese_test["recall_weighted"], "test_f1": subtask2_siamese_test["f1_weighted"],
            "test_specificity": subtask2_siamese_test["specificity"]} if siamese_tested else {}),
        "data": data2, "weights": "trained from scratch",
        "settings": (f"{subtask2_siamese_parameters['epochs']} epochs, {subtask2_siamese_parameters['pair_sampling']} pairs, "
                     f"lr {subtask2_siamese_parameters['learning_rate']}, {subtask2_siamese_parameters['image_size']} px"),
    })
    for _, row in subtask2_features_results.iterrows():
        tested = pd.notna(row.get("test_accuracy"))
        rows.append({
            "subtask": 2, "method": f"{row['backbone']} + {row['method']}", "table": "Tables 4-5",
            "main_metric": "test accuracy" if tested else "validation accuracy",
            "main_value": row["test_accuracy"] if tested else row["validation_accuracy"],
            "validation": f"all {row['validation_accuracy']:.3f}, real {row['validation_accuracy_real']:.3f}, "
                          f"generated {row['validation_accuracy_generated']:.3f}",
            **{f"test_{k}": row.get(f"test_{k}_weighted", row.get(f"test_{k}")) for k in ("accuracy", "precision", "recall", "f1")},
            "test_specificity": row.get("test_specificity"),
            "data": data2, "weights": row["weights"], "settings": f"{row['features']} features, parameters_subtask2_features.yml",
        })
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def plot_results(results: pd.DataFrame) -> Figure:
    """Main metric of every method, one panel per subtask, best first."""
    figure, axes = plt.subplots(1, 2, figsize=(13, 0.35 * max(len(results), 8) + 1.5))
    for axis, subtask in zip(axes, (1, 2), strict=True):
        rows = results[results["subtask"] == subtask].sort_values("main_value")
        axis.barh(rows["method"], rows["main_value"].astype(float), color="tab:blue" if subtask == 1 else "tab:green")
        metric = ", ".join(sorted(rows["main_metric"].unique()))
        axis.set(title=f"Subtask {subtask}", xlabel=metric)
        if subtask == 1:
            axis.axvline(0, color="grey", linewidth=0.8)
        for y, value in enumerate(rows["main_value"].astype(float)):
            axis.text(value, y, f" {value:.3f}", va="center", fontsize=7)
    figure.tight_layout()
    return figure


def key_figures(
    subtask2_siamese_validation: dict[str, Any],
    subtask2_siamese_test: dict[str, Any],
    subtask2_features_results: pd.DataFrame,
    subtask2_siamese_history: pd.DataFrame,
) -> dict[str, Figure]:
    """The figures a reader looks at first, re-drawn from their data into one versioned folder."""
    figures = {}
    attribution = subtask2_siamese_validation["attribution"]
    if subtask2_siamese_test.get("ground_truth"):
        figures["subtask2_siamese_confusion_test.png"] = confusion_figure(
            subtask2_siamese_test["confusion_matrix"], subtask2_siamese_test["labels"], "Siamese network: test")
    figures["subtask2_siamese_confusion_validation.png"] = confusion_figure(
        attribution["confusion_matrix"], attribution["labels"], "Siamese network: validation")
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.plot(subtask2_siamese_history["epoch"], subtask2_siamese_history["validation_attribution_accuracy"], marker="o")
    axis.set(title="Siamese network: validation attribution accuracy", xlabel="epoch", ylim=(0, 1.02))
    figure.tight_layout()
    figures["subtask2_siamese_training.png"] = figure
    table = subtask2_features_results.pivot(index="backbone", columns="method", values="validation_accuracy")
    figure, axis = plt.subplots(figsize=(7, 3.5))
    table.plot.bar(ax=axis, rot=0)
    axis.set(title="Feature methods: validation accuracy (Table 4)", ylim=(0, 1))
    figure.tight_layout()
    figures["subtask2_features_validation.png"] = figure
    return figures
