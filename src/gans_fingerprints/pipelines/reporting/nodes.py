"""Nodes of ``reporting``: every method of both subtasks in one table (the paper's Tables 3-5 side by
side), assembled from whatever method summaries exist, a summary figure, and key figures."""

from __future__ import annotations

import logging
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.summary import STAMPED, concatenate_summaries

logger = logging.getLogger(__name__)

COLUMNS = [
    "subtask", "method", "table", "main_metric", "main_value", "validation", "test_accuracy", "test_accuracy_low",
    "test_accuracy_high", "test_known_accuracy", "test_unknown_recall", "test_precision",
    "test_recall", "test_f1", "test_specificity", "test_kappa", "test_auc", "test_kappa_low", "test_kappa_high",
    "test_auc_low", "test_auc_high", "test_tpr_at_1_fpr", "test_tpr_at_10_fpr", "control_auc", "control_auc_low",
    "control_auc_high", "control_p_value", "data", "weights", "settings",
]


def data_description(ingestion_report: dict[str, Any], subtask: str) -> str:
    splits = ingestion_report["splits"]
    train, test = splits[f"{subtask}_train"], splits[f"{subtask}_test"]
    truth = ingestion_report["ground_truth"][f"{subtask}_test"]["present"]
    return (f"{train.get('root', '?')}: {train['images']} training / {test['images']} test images at "
            f"{train.get('image_size', '?')} px, test ground truth {'present' if truth else 'absent'}")


def current_summaries(summaries: dict[str, pd.DataFrame | None], ingestion_commit: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The summaries written from the last complete ingestion's data; the others are named in the log."""
    missing = sorted(name for name, table in summaries.items() if table is None)
    if missing:
        logger.warning("No run has written %s yet: the report leaves those methods out.", ", ".join(missing))
    current_run = ingestion_commit.get("run_id")
    current, stale = {}, []
    for name, table in summaries.items():
        if table is None:
            continue
        runs = set(table[STAMPED].dropna().astype(str)) if STAMPED in table else set()
        if current_run is not None and runs and runs != {current_run}:
            stale.append(f"{name} (from ingestion {', '.join(sorted(runs))})")
        else:
            current[name] = table
    if stale:
        logger.warning("The report leaves out %s: the current data are ingestion %s, so those rows describe other data; "
                       "run those methods again.", ", ".join(stale), current_run)
    return current


SUBTASK2_ORDER = ("Table 5", "Tables 4-5", "Table 4")
"""Subtask-2 rows: the paper's Siamese first, then its feature rows (SVMs, then clustering), then extensions."""


def _table_rank(table: object) -> int:
    text = str(table)
    return next((i for i, prefix in enumerate(SUBTASK2_ORDER) if text.startswith(prefix)), len(SUBTASK2_ORDER))


def ordered_summaries(summaries: dict[str, pd.DataFrame | None], ingestion_commit: dict[str, Any]) -> pd.DataFrame:
    """Every current method summary, subtask 1 first and ranked by its main metric (best first, as
    ``subtask1_comparison``), then subtask 2 by the paper's table (Table 5's Siamese network first, then the
    feature rows it reproduces, extensions last)."""
    rows = concatenate_summaries(current_summaries(summaries, ingestion_commit))
    if rows.empty:
        raise UserInputError(
            f"No method has written a summary of the current data yet ({', '.join(sorted(summaries)) or 'none registered'}; "
            f"ingestion {ingestion_commit.get('run_id', '?')}): run the methods first (`kedro run` runs every pipeline; "
            "or `kedro run --pipelines subtask2_siamese`, say), then reporting."
        )
    first = rows[rows["subtask"] == 1].sort_values("main_value", ascending=False)
    second = rows[rows["subtask"] == 2].sort_values("table", key=lambda tables: tables.map(_table_rank), kind="stable")
    return pd.concat([first, second, rows[~rows["subtask"].isin([1, 2])]], ignore_index=True)


def build_results_table(
    ingestion_report: dict[str, Any], ingestion_commit: dict[str, Any], **summaries: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per method and subtask, with the data, weights and settings that produced it."""
    rows = ordered_summaries(summaries, ingestion_commit)
    descriptions = {subtask: data_description(ingestion_report, f"subtask{subtask}") for subtask in (1, 2)}
    rows["data"] = rows["subtask"].map(descriptions)
    return rows.reindex(columns=COLUMNS)


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


KEY_METRICS = {1: ("validation_kappa", "test_kappa", "kappa", (-1, 1)), 2: ("validation_accuracy", "test_accuracy", "accuracy", (0, 1))}


def key_figures(ingestion_commit: dict[str, Any], **summaries: pd.DataFrame | None) -> dict[str, Figure]:
    """Per subtask, every method's validation and (with ground truth) test score side by side: a
    method whose test score falls far below its validation score did not generalise."""
    rows = ordered_summaries(summaries, ingestion_commit)
    figures = {}
    for subtask, (validation, test, metric, limits) in KEY_METRICS.items():
        chosen = rows[rows["subtask"] == subtask].set_index("method")
        if chosen.empty:
            continue
        columns = [c for c in (validation, test) if chosen[c].notna().any()]
        figure, axis = plt.subplots(figsize=(8, 0.3 * len(chosen) + 1.8))
        chosen[columns].astype(float).rename(columns=lambda c: c.split("_")[0]).plot.barh(ax=axis)
        axis.set(title=f"Subtask {subtask}: {metric}, validation and test", xlabel=metric, xlim=limits, ylabel="")
        if subtask == 1:
            axis.axvline(0, color="grey", linewidth=0.8)  # kappa 0: chance
        axis.invert_yaxis()
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        figure.tight_layout()
        figures[f"subtask{subtask}_validation_and_test.png"] = figure
    return figures
