"""Nodes of ``subtask1_siamese``: the paper's Siamese network for subtask 1 (section 3.2).

Pairs: a generated training image with a ``real_used`` image is positive, with a ``real_not_used``
image negative. Each real image is scored by its embedding distance to the generated images of
its own split (nearest, mean, or mean of the k nearest), and the score is thresholded.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.evaluation.metrics import membership_metrics
from gans_fingerprints.evaluation.subtask1 import RESULT_COLUMNS, method_run_file, subtask1_rows
from gans_fingerprints.membership.decision import best_threshold, cross_validated, ranks

logger = logging.getLogger(__name__)
METHOD = "siamese"
USED_CLASS, NOT_USED_CLASS = 0, 1
"""Class indices of the Siamese pairs (generated images join the "used" class); not labels, where 1 = used."""


def membership_score(real: np.ndarray, generated: np.ndarray, score: str, k: int) -> np.ndarray:
    """Higher = closer to the generated images: minus the nearest, mean, or mean-of-k-nearest distance."""
    distances = np.sort(pairwise_distances(real, generated), axis=1)
    if score == "nearest":
        return -distances[:, 0]
    if score == "mean":
        return -distances.mean(axis=1)
    if score == "mean_k":
        return -distances[:, : max(1, k)].mean(axis=1)
    raise ValueError(f"score must be nearest, mean or mean_k, got {score!r}")


def train_and_score_subtask1_siamese(
    train_manifest: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    params: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cross-validated decisions (each fold's network trained without the held-out reals), then a
    network on all training reals for the test split. Returns model, CV and test decisions, history."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.siamese_training import (  # noqa: PLC0415
        PairData,
        config_from_params,
        embed_images,
        train_siamese,
    )

    rows = subtask1_rows(train_manifest, test_manifest)  # subtask 1's splits are small: held in memory to train
    stack = {name: np.asarray((train_images if name.startswith("train") else test_images)[t["stack_index"].to_numpy()])
             for name, t in rows.items()}
    labels = rows["train_real"]["label"].to_numpy()  # 1 = used
    classes = np.where(labels == 1, USED_CLASS, NOT_USED_CLASS)
    config = config_from_params(params, int(train_images.shape[1]))
    device = resolve_device(str(params["device"]))
    score, k = str(params["score"]), int(params["k"])

    def fit(real_index: np.ndarray):
        data = PairData(stack["train_real"][real_index], classes[real_index], stack["train_generated"],
                        np.full(len(stack["train_generated"]), USED_CLASS), np.zeros((0, *stack["train_real"].shape[1:]), np.uint8),
                        np.zeros(0, int), 2, generated_for_every_class=False)
        return train_siamese(data, config, device, checkpoints=None, resume=False)

    def scores_of(model, real: np.ndarray, generated: np.ndarray) -> np.ndarray:
        return membership_score(embed_images(model, real, device, config.embed_batch_size),
                                embed_images(model, generated, device, config.embed_batch_size), score, k)

    def fold_scores(train_index, held_out_index):
        model, _ = fit(train_index)
        all_scores = scores_of(model, stack["train_real"], stack["train_generated"])
        return all_scores[train_index], all_scores[held_out_index]

    cv_ranks, cv_predictions = cross_validated(labels, fold_scores, int(params["cv_folds"]), int(params["seed"]))
    logger.info("subtask1 Siamese: cross-validated kappa %.3f", membership_metrics(labels, cv_predictions)["kappa"])
    model, history = fit(np.arange(len(labels)))
    threshold = best_threshold(ranks(scores_of(model, stack["train_real"], stack["train_generated"])), labels)
    test_ranks = ranks(scores_of(model, stack["test_real"], stack["test_generated"]))
    cv = pd.DataFrame({"method": METHOD, "image_id": rows["train_real"]["image_id"].astype(str), "label": labels,
                       "rank": cv_ranks, "prediction": cv_predictions})
    test = pd.DataFrame({"method": METHOD, "image_id": rows["test_real"]["image_id"].astype(str), "rank": test_ranks,
                         "prediction": (test_ranks > threshold).astype(int)})
    bundle = {"state_dict": {n: v.cpu() for n, v in model.state_dict().items()},
              "config": {**asdict(config), "filters": list(config.filters), "score": score, "k": k,
                         "rank_threshold": threshold, "device": str(device)}}
    return bundle, cv, test[RESULT_COLUMNS], history


def write_subtask1_siamese_run_file(test_results: pd.DataFrame) -> str:
    return method_run_file(test_results, METHOD)
