"""Ingestion nodes: release folders in, manifest tables and uint8 image stacks out.

The steps live in their own modules (:mod:`.discovery`, :mod:`.decoding`, :mod:`.ground_truth`,
:mod:`.report`); the names the pipeline and other packages import from here are re-exported.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.datasets import ImageFolder, RawDataRoot
from gans_fingerprints.evaluation.splits import holdout_split
from gans_fingerprints.image_decoding import DECODE_ERRORS, OBJECT_REPR
from gans_fingerprints.layout import SPLITS, SplitSpec
from gans_fingerprints.pipelines.ingestion.common import (
    LOGGER_NAME,
    MAX_LISTED_FILES,
    RUN_ATTRIBUTE,
    IngestionError,
    stamped,
)
from gans_fingerprints.pipelines.ingestion.decoding import MANIFEST_COLUMNS, empty_manifest, read_split
from gans_fingerprints.pipelines.ingestion.discovery import (
    FolderTally,
    SplitFiles,
    SplitTally,
    check_root,
    discover_split,
    listed_images,
)
from gans_fingerprints.pipelines.ingestion.ground_truth import validate_subtask1_truth, validate_subtask2_truth
from gans_fingerprints.pipelines.ingestion.report import build_ingestion_report
from gans_fingerprints.stack_spool import remove_stale_spools

__all__ = [
    "DECODE_ERRORS",
    "MANIFEST_COLUMNS",
    "MAX_LISTED_FILES",
    "OBJECT_REPR",
    "RUN_ATTRIBUTE",
    "FolderTally",
    "IngestionError",
    "SplitFiles",
    "SplitTally",
    "build_ingestion_report",
    "commit_ingestion",
    "discover_split",
    "empty_manifest",
    "ingest_split",
    "split_subtask2_training",
    "start_ingestion",
    "validate_subtask1_truth",
    "validate_subtask2_truth",
]

logger = logging.getLogger(LOGGER_NAME)


def start_ingestion(  # noqa: PLR0913 - the root, the spool folder, both subtasks' images and truths, the parameters
    raw_root: RawDataRoot,
    spool_folder: str,
    subtask1_images: ImageFolder,
    subtask2_images: ImageFolder,
    subtask1_truth: pd.DataFrame | None,
    subtask2_truth: pd.DataFrame | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Check everything that needs no decoding, before any split is written; returns the run and its files.

    A root that does not exist, is a file or holds neither ``subtask1/`` nor ``subtask2/`` is
    almost always a mistyped ``raw_data_root``: it stops the run instead of replacing every
    manifest and stack with empty ones. Layout, id and ground-truth problems of any split stop
    it too, so such an ingestion writes all splits or none; only unreadable images and an
    interruption can stop it half-way, and the run id guards against that.
    """
    check_root(raw_root)
    stale = remove_stale_spools(spool_folder)  # no split of this run has started; the project lock keeps others out
    if stale:
        logger.warning("Deleted %d spool file(s) an interrupted ingestion left in %s.", stale, spool_folder)
    images = {"subtask1": subtask1_images, "subtask2": subtask2_images}
    splits = {split.key: discover_split(images[split.subtask], params, split) for split in SPLITS}
    validate_subtask1_truth(listed_images(splits["subtask1_test"]), subtask1_truth, after_decoding=False)
    validate_subtask2_truth(listed_images(splits["subtask2_test"]), subtask2_truth, params, after_decoding=False)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    logger.info("Ingestion %s of %s.", run_id, raw_root.path)
    return {"run_id": run_id, "root": raw_root.path, "splits": splits, "spool_folder": spool_folder}


def ingest_split(
    run: dict[str, Any], params: dict[str, Any], split: SplitSpec
) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """Decode one split (found by :func:`start_ingestion`) into a manifest, a ``uint8`` (n, size, size)
    stack and a summary.

    Row ``i`` of the manifest describes image ``i`` of the stack; the manifest carries the
    ingestion's run id. A subtask folder that is absent altogether gives an empty manifest and
    stack (its pipelines then have nothing to run on).
    """
    manifest, stack, summary = read_split(run["splits"][split.key], params, run["spool_folder"])
    return stamped(manifest, run["run_id"]), stack, {**summary, RUN_ATTRIBUTE: run["run_id"]}


def split_subtask2_training(manifest: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The training manifest with a ``fold`` column: ``validation_fraction`` of every subset's real and
    generated images held out (seeded, stratified). Every subtask-2 method uses this one split."""
    split = manifest.copy()
    split["fold"] = pd.Series(dtype="string") if manifest.empty else holdout_split(
        manifest, float(params["validation_fraction"]), int(params["split_seed"])
    )
    return split


def commit_ingestion(
    run: dict[str, Any], report: dict[str, Any], *tables: pd.DataFrame
) -> dict[str, Any]:
    """Record that every split of this ingestion was written; the other pipelines read only committed tables.

    Runs last (it needs the report and every table), so an interrupted ingestion leaves the
    previous commit in place and its half-written tables are refused by the readers' check.
    """
    stale = [table.attrs.get(RUN_ATTRIBUTE) for table in tables if table.attrs.get(RUN_ATTRIBUTE) != run["run_id"]]
    if stale:
        raise RuntimeError(f"ingestion {run['run_id']} produced tables stamped {stale}")
    logger.info("Ingestion %s complete: %d images.", run["run_id"], report["totals"]["images"])
    return {
        "run_id": run["run_id"],
        "root": run["root"],
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "images": {name: summary["images"] for name, summary in report["splits"].items()},
    }
