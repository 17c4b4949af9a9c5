"""Nodes of ``subtask1_membership``: black-box membership attacks in pixel space and in a CNN feature space."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from gans_fingerprints.evaluation.metrics import membership_metrics
from gans_fingerprints.evaluation.subtask1 import RESULT_COLUMNS, method_run_file, subtask1_rows
from gans_fingerprints.membership.attacks import ATTACKS, attack_scores
from gans_fingerprints.membership.decision import best_threshold, cross_validated, ranks

logger = logging.getLogger(__name__)
SPACES = ("pixels", "features")
METHODS = tuple(f"{attack}_{space}" for space in SPACES for attack in ATTACKS)


def _pixels(images: np.ndarray, size: int) -> np.ndarray:
    if images.shape[1] != size:
        images = np.stack([np.asarray(Image.fromarray(i).resize((size, size), Image.Resampling.BILINEAR)) for i in images])
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def membership_spaces(
    train_manifest: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Every subtask-1 image as a pixel vector and as CNN features, with the training labels."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only here
    from gans_fingerprints.models.backbones import build_backbone, extract_features  # noqa: PLC0415

    rows = subtask1_rows(train_manifest, test_manifest)
    stacks = {
        name: (train_images if name.startswith("train") else test_images)[table["stack_index"].to_numpy()]
        for name, table in rows.items()
    }
    model, preprocess, record = build_backbone(str(params["backbone"]), str(params["weights"]), bool(params["download_weights"]))
    device = resolve_device(str(params["device"]))
    spaces: dict[str, Any] = {"pixels": {}, "features": {}, "record": record}
    for name, stack in stacks.items():
        spaces["pixels"][name] = _pixels(np.asarray(stack), int(params["pixel_size"]))
        spaces["features"][name] = extract_features(
            model, preprocess, np.asarray(stack), device, int(params["batch_size"]), str(params["precision"])
        )
    spaces["ids"] = {name: table["image_id"].astype(str).to_numpy() for name, table in rows.items()}
    spaces["labels"] = rows["train_real"]["label"].to_numpy()
    return spaces


def score_membership(spaces: dict[str, Any], params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cross-validated decisions on the training reals and test decisions, for every attack and space.

    The reference set of known non-members (DOMIAS) holds training-fold non-members only, and
    each threshold is chosen on training folds; the test threshold on all training reals.
    """
    labels = spaces["labels"]
    cv_rows, test_rows = [], []
    for space in SPACES:
        vectors = spaces[space]
        reals, generated = vectors["train_real"], vectors["train_generated"]
        for attack in ATTACKS:
            method = f"{attack}_{space}"

            def fold_scores(train_index, held_out_index, attack=attack, reals=reals, generated=generated):
                reference = reals[train_index][labels[train_index] == 0]
                scores = attack_scores(attack, reals, generated, reference, params)
                return scores[train_index], scores[held_out_index]

            cv_ranks, cv_predictions = cross_validated(labels, fold_scores, int(params["cv_folds"]), int(params["seed"]))
            non_members = reals[labels == 0]
            threshold = best_threshold(ranks(attack_scores(attack, reals, generated, non_members, params)), labels)
            test_ranks = ranks(attack_scores(attack, vectors["test_real"], vectors["test_generated"], non_members, params))
            cv_rows.append(pd.DataFrame({"method": method, "image_id": spaces["ids"]["train_real"], "label": labels,
                                         "rank": cv_ranks, "prediction": cv_predictions}))
            test_rows.append(pd.DataFrame({"method": method, "image_id": spaces["ids"]["test_real"], "rank": test_ranks,
                                           "prediction": (test_ranks > threshold).astype(int)}))
            logger.info("%s: cross-validated kappa %.3f", method, membership_metrics(labels, cv_predictions)["kappa"])
    return pd.concat(cv_rows, ignore_index=True), pd.concat(test_rows, ignore_index=True)[RESULT_COLUMNS]


def write_membership_run_files(test_results: pd.DataFrame) -> dict[str, str]:
    """One run file per attack and space: ``<image_id>,<0|1>`` (1 = used), natural id order."""
    return {method: method_run_file(test_results, method) for method in METHODS}
