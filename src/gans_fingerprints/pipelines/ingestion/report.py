"""The ingestion report: every split's record, the ground truth present and the train/test leakage check."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from gans_fingerprints.pipelines.ingestion.common import LOGGER_NAME, MAX_LISTED_FILES

logger = logging.getLogger(LOGGER_NAME)


def _leakage(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    """Test images whose content also appears in the training split."""
    if train.empty or test.empty:
        return {"count": 0, "pairs": []}
    joined = test[["relative_path", "content_hash"]].merge(
        train[["relative_path", "content_hash"]], on="content_hash", suffixes=("_test", "_train")
    )
    pairs = [
        {"test": row.relative_path_test, "train": row.relative_path_train}
        for row in joined.head(MAX_LISTED_FILES).itertuples()
    ]
    return {"count": int(joined["relative_path_test"].nunique()), "pairs": pairs}


def build_ingestion_report(  # noqa: PLR0913 - one argument per dataset keeps the pipeline map readable
    subtask1_train_record: dict[str, Any],
    subtask1_test_record: dict[str, Any],
    subtask2_train_record: dict[str, Any],
    subtask2_test_record: dict[str, Any],
    subtask1_train_manifest: pd.DataFrame,
    subtask1_test_manifest: pd.DataFrame,
    subtask2_train_manifest: pd.DataFrame,
    subtask2_test_manifest: pd.DataFrame,
    subtask1_test_ground_truth: pd.DataFrame,
    subtask2_test_ground_truth: pd.DataFrame,
) -> dict[str, Any]:
    """Assemble the ingestion report and warn about train/test leakage (same content in both)."""
    split_summaries = {
        "subtask1_train": subtask1_train_record,
        "subtask1_test": subtask1_test_record,
        "subtask2_train": subtask2_train_record,
        "subtask2_test": subtask2_test_record,
    }
    manifests = {
        "subtask1_train": subtask1_train_manifest,
        "subtask1_test": subtask1_test_manifest,
        "subtask2_train": subtask2_train_manifest,
        "subtask2_test": subtask2_test_manifest,
    }
    truths = {"subtask1_test": subtask1_test_ground_truth, "subtask2_test": subtask2_test_ground_truth}
    leakage: dict[str, Any] = {}
    for subtask in ("subtask1", "subtask2"):
        found = _leakage(manifests[f"{subtask}_train"], manifests[f"{subtask}_test"])
        leakage[subtask] = found
        if found["count"]:
            logger.warning(
                "Leakage: %d %s test image(s) also appear in its training split, e.g. %s.",
                found["count"],
                subtask,
                found["pairs"][:3],
            )
    return {
        "splits": split_summaries,
        "ground_truth": {name: {"present": not table.empty, "rows": len(table)} for name, table in truths.items()},
        "leakage_train_test": leakage,
        "totals": {
            "images": sum(summary["images"] for summary in split_summaries.values()),
            "bad_images": sum(summary.get("bad_images", 0) for summary in split_summaries.values()),
            "resized_images": sum(summary.get("resized_images", 0) for summary in split_summaries.values()),
            "unexpected_files": sum(summary.get("unexpected_files", 0) for summary in split_summaries.values()),
        },
    }
