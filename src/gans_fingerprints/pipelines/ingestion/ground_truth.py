"""Checking the test ground-truth tables against the test images: ids, labels and subsets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

from gans_fingerprints.layout import UNKNOWN_SUBSET, natural_key, natural_order
from gans_fingerprints.pipelines.ingestion.common import LOGGER_NAME, RUN_ATTRIBUTE, IngestionError, stamped

logger = logging.getLogger(LOGGER_NAME)


def _truth_ids(truth: pd.DataFrame) -> pd.Series:
    return truth["image_id"].astype("string").str.strip()


def _check_truth_ids(
    truth: pd.DataFrame, expected_ids: pd.Series, what: str, after_decoding: bool
) -> tuple[pd.Series, pd.Series]:
    """Ids must be unique and match the test images exactly; returns the stripped ids and a mask of the rows to keep.

    Before decoding (``after_decoding=False``) the ids are those of the listed files, and every
    mismatch is an error. After decoding, ids the earlier check found among the files but not
    among the manifest are images skipped as unreadable: their labels are dropped with a warning.
    """
    source = truth.attrs.get("source", "the ground truth file")
    ids = _truth_ids(truth)
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise IngestionError(f"{source} lists image id(s) {duplicated[:10]} more than once.")
    unknown = sorted(set(ids) - set(expected_ids), key=natural_key)
    missing = sorted(set(expected_ids) - set(ids), key=natural_key)
    if missing or (unknown and not after_decoding):
        raise IngestionError(
            f"{source} does not match the {what}: {len(unknown)} id(s) not among the images "
            f"(e.g. {unknown[:5]}), {len(missing)} image(s) without a label (e.g. {missing[:5]}). "
            "Use the ground truth file that belongs to this test folder, or remove it."
        )
    if unknown:
        logger.warning("Dropping the labels of %d test image(s) skipped as unreadable, e.g. %s.", len(unknown), unknown[:5])
    return ids, ids.isin(set(expected_ids))


def _sorted_truth(ids: pd.Series, column: str, values: pd.Series) -> pd.DataFrame:
    table = pd.DataFrame({"image_id": ids.to_numpy(), column: values.to_numpy()})
    return table.iloc[natural_order(table["image_id"])].reset_index(drop=True)


def _validated_truth(  # noqa: PLR0913
    test_manifest: pd.DataFrame,
    truth: pd.DataFrame | None,
    *,
    subtask: str,
    images: pd.Series,
    column: str,
    parse: Callable[[pd.Series], pd.Series],
    allowed: list[Any],
    dtype: str,
    after_decoding: bool,
) -> pd.DataFrame:
    """Shared check of a ground-truth table: ids match ``images`` exactly, ``column`` in ``allowed``."""
    run_id = test_manifest.attrs.get(RUN_ATTRIBUTE)
    empty = stamped(pd.DataFrame({"image_id": pd.Series(dtype="string"), column: pd.Series(dtype=dtype)}), run_id)
    if truth is None:
        logger.info("No %s test ground truth: test metrics will not be computed.", subtask)
        return empty
    if test_manifest.empty:
        logger.warning("Ignoring %s: there are no %s test images.", truth.attrs.get("source"), subtask)
        return empty
    ids, keep = _check_truth_ids(truth, images, f"{subtask} test images", after_decoding)
    values = parse(truth[column])
    invalid = truth.index[~values.isin(allowed)]
    if len(invalid):
        lines = [int(row) + 2 for row in invalid[:10]]  # +1 for the header, +1 for 1-based lines
        raise IngestionError(f"{truth.attrs.get('source')}: {column} must be one of {allowed} on line(s) {lines}.")
    return stamped(_sorted_truth(ids[keep], column, values[keep].astype(dtype)), run_id)


def validate_subtask1_truth(
    test_manifest: pd.DataFrame, truth: pd.DataFrame | None, after_decoding: bool = True
) -> pd.DataFrame:
    """Check ``ground_truth/subtask1_test.csv`` against the test reals; returns (image_id, label), 1 = used."""
    reals = test_manifest.loc[test_manifest["role"] == "real", "image_id"]
    return _validated_truth(
        test_manifest,
        truth,
        subtask="subtask1",
        images=reals,
        column="label",
        parse=lambda labels: pd.to_numeric(labels, errors="coerce"),
        allowed=[0, 1],
        dtype="int64",
        after_decoding=after_decoding,
    )


def validate_subtask2_truth(
    test_manifest: pd.DataFrame, truth: pd.DataFrame | None, params: dict[str, Any], after_decoding: bool = True
) -> pd.DataFrame:
    """Check ``ground_truth/subtask2_test.csv`` against the test images; returns (image_id, subset)."""
    return _validated_truth(
        test_manifest,
        truth,
        subtask="subtask2",
        images=test_manifest["image_id"],
        column="subset",
        parse=lambda subsets: subsets.astype("string").str.strip(),
        allowed=[*(str(subset) for subset in params["subsets"]), UNKNOWN_SUBSET],  # unknown: the benchmark's open-set check
        dtype="string",
        after_decoding=after_decoding,
    )
