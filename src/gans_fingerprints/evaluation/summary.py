"""The one schema every method pipeline reports in: its ``<method>_summary`` table, a row per method.

``reporting`` and ``subtask1_comparison`` concatenate whatever summaries the project's pipelines
write (``pipeline_registry`` finds them), so a new method pipeline reaches the report by writing
one. Validation columns hold what was measured without test labels (subtask 1: cross-validation
on the labelled training reals; subtask 2: the held-out validation fold). Subtask 1 adds 95% bootstrap
intervals of kappa and AUC (``*_low``, ``*_high``), TPR at 1% and 10% FPR, and the AUC of a null
control (both sides non-members: it must include 0.5) with its two-sided Mann-Whitney p-value. Subtask 2 adds,
when the test folder holds images of a generator no subset trained (the benchmark's open-set check), the
accuracy on the others (``test_known_accuracy``) and the share of those outsiders called ``unknown``. ``ingestion_run`` is the
ingestion whose data the run read: the ``IngestionConsistency`` hook stamps it on every summary a
node writes, so the report can leave out a summary of other data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

SUMMARY_COLUMNS = [
    "subtask", "method", "table", "main_metric", "main_value", "validation",
    "validation_kappa", "validation_auc", "validation_accuracy", "validation_precision", "validation_recall", "validation_f1",
    "validation_kappa_low", "validation_kappa_high", "validation_auc_low", "validation_auc_high",
    "validation_tpr_at_1_fpr", "validation_tpr_at_10_fpr", "validation_accuracy_low", "validation_accuracy_high",
    "test_accuracy", "test_precision", "test_recall", "test_f1", "test_specificity", "test_kappa", "test_auc",
    "test_kappa_low", "test_kappa_high", "test_auc_low", "test_auc_high", "test_tpr_at_1_fpr", "test_tpr_at_10_fpr",
    "test_accuracy_low", "test_accuracy_high", "test_known_accuracy", "test_unknown_recall",
    "control_auc", "control_auc_low", "control_auc_high", "control_p_value",
    "weights", "settings", "ingestion_run",
]
REQUIRED = ("subtask", "method", "main_metric", "main_value")
STAMPED = "ingestion_run"
SUMMARY_SUFFIX = "_summary"
"""A method pipeline's summary dataset is ``<method>_summary`` (catalog factory ``{method}_summary``)."""


def method_summary(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows in the shared schema; a key outside it, or a row without the required ones, is a programming error."""
    rows = [dict(row) for row in rows]
    for row in rows:
        unknown = sorted(set(row) - set(SUMMARY_COLUMNS))
        missing = [key for key in REQUIRED if row.get(key) is None]
        if unknown or missing:
            raise ValueError(f"summary row for {row.get('method')!r}: unknown columns {unknown}, missing {missing}")
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


WARNINGS = ("OFF CHANCE", "NEAR CHANCE", "NOT MEASURED")
"""Words a row's ``validation`` text carries when its figures must not be trusted as they stand."""


EXTENSION = "extension"
"""A row's ``table`` when it reproduces none of the paper's: its figures are not set beside the paper's."""


def is_extension(row: Mapping[str, Any]) -> bool:
    """Whether a row goes beyond the paper: its ``table`` is ``extension``, empty or missing."""
    table = row.get("table")
    return table is None or pd.isna(table) or str(table) in ("", EXTENSION)


def row_warning(row: Mapping[str, Any]) -> str:
    """The first of :data:`WARNINGS` the row's ``validation`` text carries, or ``""``."""
    return next((word for word in WARNINGS if word in str(row.get("validation", ""))), "")


def format_number(value: Any, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, or ``—`` when it is missing."""
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.{digits}f}"


def format_interval(row: Mapping[str, Any], column: str, digits: int = 2) -> str:
    """``0.88 [0.69, 1.00]`` from ``column`` and its ``_low`` / ``_high`` columns; the value alone without an
    interval, ``—`` without a value."""
    shown = format_number(row.get(column), digits)
    low = row.get(f"{column}_low")
    if shown == "—" or low is None or pd.isna(low):
        return shown
    return f"{shown} [{format_number(low, digits)}, {format_number(row.get(f'{column}_high'), digits)}]"


def subtask2_metric_columns(validation: Mapping[str, Any], test: Mapping[str, Any] | None) -> dict[str, Any]:
    """A subtask-2 row's validation columns and, when ``test`` was scored with ground truth, its test columns,
    with the accuracy's 95% Wilson interval (``*_accuracy_low``, ``*_accuracy_high``)."""
    columns = {"validation_accuracy": validation["accuracy"], "validation_precision": validation["precision_weighted"],
               "validation_recall": validation["recall_weighted"], "validation_f1": validation["f1_weighted"],
               "validation_accuracy_low": validation.get("accuracy_low"), "validation_accuracy_high": validation.get("accuracy_high")}
    if test:
        columns.update(test_accuracy=test["accuracy"], test_precision=test["precision_weighted"], test_recall=test["recall_weighted"],
                       test_f1=test["f1_weighted"], test_specificity=test["specificity"],
                       test_accuracy_low=test.get("accuracy_low"), test_accuracy_high=test.get("accuracy_high"),
                       test_known_accuracy=test.get("known_accuracy"), test_unknown_recall=test.get("unknown_recall"))
    return columns


def concatenate_summaries(summaries: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Every summary that exists (an absent one loads as ``None`` or empty), in the order given."""
    present = [table.reindex(columns=SUMMARY_COLUMNS) for table in summaries.values() if table is not None and not table.empty]
    return pd.concat(present, ignore_index=True) if present else pd.DataFrame(columns=SUMMARY_COLUMNS)


def summary_sources(outputs: Iterable[str]) -> list[str]:
    """The method-summary datasets among a pipeline's outputs, sorted by name."""
    return sorted(name for name in outputs if name.endswith(SUMMARY_SUFFIX))
