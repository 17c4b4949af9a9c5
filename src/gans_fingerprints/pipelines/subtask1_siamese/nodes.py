"""Nodes of ``subtask1_siamese``: the paper's Siamese network for subtask 1 (section 3.2).

Pairs: a generated training image with a ``real_used`` image is positive, with a ``real_not_used``
image negative. Each real image is scored in the embedding space by a registered membership attack
(``attack``; the paper's score is ``mean_k_nearest``: the mean distance to the k nearest generated
images of its own split), and the score is thresholded.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.metrics import membership_metrics
from gans_fingerprints.evaluation.subtask1 import RESULT_COLUMNS, method_run_file, subtask1_rows, summarise_subtask1
from gans_fingerprints.membership.decision import best_threshold, cross_validated, ranks
from gans_fingerprints.membership.registry import Attack, check_attack

logger = logging.getLogger(__name__)
METHOD = "siamese"
USED_CLASS, NOT_USED_CLASS = 0, 1
"""Class indices of the Siamese pairs (generated images join the "used" class); not labels, where 1 = used."""


RETIRED_SCORES = {"nearest": ("gan_leaks", {}), "mean": ("mean_k_nearest", {"k": 0}), "mean_k": ("mean_k_nearest", {"k": "<your k>"})}


def check_siamese_attack(params: dict[str, Any]) -> tuple[Attack, dict[str, Any]]:
    """The registered attack that scores the embeddings, and its options; retired keys refused in one line."""
    if "score" in params or "k" in params:
        hint = "; ".join(f"score: {old} -> attack: {new}, attack_options: {options}" for old, (new, options) in RETIRED_SCORES.items())
        raise UserInputError(f"subtask1_siamese.score and .k are retired: a registered attack scores the embeddings ({hint}).")
    name, options = str(params["attack"]), dict(params.get("attack_options") or {})
    attack = check_attack(name, options, name_key="subtask1_siamese.attack", options_key="subtask1_siamese.attack_options",
                          source="parameters_subtask1_siamese.yml")  # any attack but a reference generator's
    if attack.needs_reference_generator:
        raise UserInputError(f"subtask1_siamese.attack: {name} compares with a reference generator's images, which this "
                             "pipeline does not embed; choose another attack (parameters_subtask1_siamese.yml) or run it in "
                             "subtask1_membership.")
    return attack, options


def train_and_score_subtask1_siamese(
    train_manifest: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    params: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cross-validated decisions (each fold's network trained without the held-out reals), then a
    network on all training reals for the test split. Returns model, CV and test decisions, the null
    control's decisions (the cross-validation again, against the test split's generated images, of
    which no training real is a member), history.

    Each fold's threshold is chosen on its training reals as scored by the fold's own network, which
    trained on them (honest scores there would need a nested network per fold); the test threshold is
    chosen on the folds' out-of-fold ranks, never on the final network's in-sample scores."""
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
    attack, options = check_siamese_attack(params)
    config = config_from_params(params, int(train_images.shape[1]))
    device = resolve_device(str(params["device"]))

    def fit(real_index: np.ndarray, generated: np.ndarray):
        data = PairData(stack["train_real"][real_index], classes[real_index], generated,
                        np.full(len(generated), USED_CLASS), np.zeros((0, *stack["train_real"].shape[1:]), np.uint8),
                        np.zeros(0, int), 2, generated_for_every_class=False)
        return train_siamese(data, config, device, checkpoints=None, resume=False)

    def scores_of(model, real: np.ndarray, generated: np.ndarray, known_non_members: np.ndarray) -> np.ndarray:
        """The attack on the embeddings; its reference set (if it uses one): training reals known not used."""
        queries, generated_embeddings = (embed_images(model, x, device, config.embed_batch_size, precision=config.precision)
                                         for x in (real, generated))
        reference = embed_images(model, stack["train_real"][known_non_members], device, config.embed_batch_size,
                                 precision=config.precision)
        return attack.scores(queries, generated_embeddings, reference, options)

    def fold_scores_against(generated: np.ndarray):
        def fold_scores(train_index, held_out_index):
            model, _ = fit(train_index, generated)
            all_scores = scores_of(model, stack["train_real"], generated, train_index[labels[train_index] == 0])
            return all_scores[train_index], all_scores[held_out_index]
        return fold_scores

    folds, seed = int(params["cv_folds"]), int(params["seed"])
    cv_ranks, cv_predictions = cross_validated(labels, fold_scores_against(stack["train_generated"]), folds, seed)
    logger.info("subtask1 Siamese: cross-validated kappa %.3f", membership_metrics(labels, cv_predictions)["kappa"])
    # The null control: the same procedure with the test split's generated images, which no training real trained.
    control_ranks, control_predictions = cross_validated(labels, fold_scores_against(stack["test_generated"]), folds, seed)
    model, history = fit(np.arange(len(labels)), stack["train_generated"])
    non_members = np.flatnonzero(labels == 0)
    # The network trained on every training real scores them in-sample; the threshold comes from the folds' honest ranks.
    threshold = best_threshold(cv_ranks, labels)
    test_ranks = ranks(scores_of(model, stack["test_real"], stack["test_generated"], non_members))
    cv = pd.DataFrame({"method": METHOD, "image_id": rows["train_real"]["image_id"].astype(str), "label": labels,
                       "rank": cv_ranks, "prediction": cv_predictions})
    control = cv.assign(rank=control_ranks, prediction=control_predictions)
    test = pd.DataFrame({"method": METHOD, "image_id": rows["test_real"]["image_id"].astype(str), "rank": test_ranks,
                         "prediction": (test_ranks > threshold).astype(int)})
    bundle = {"state_dict": {n: v.cpu() for n, v in model.state_dict().items()},
              "config": {**asdict(config), "filters": list(config.filters), "attack": attack.name, "attack_options": options,
                         "rank_threshold": threshold, "device": str(device)}}
    return bundle, cv, test[RESULT_COLUMNS], control, history


def write_subtask1_siamese_run_file(test_results: pd.DataFrame) -> str:
    return method_run_file(test_results, METHOD)


def summarise_subtask1_siamese(
    cv_results: pd.DataFrame, test_results: pd.DataFrame, control_results: pd.DataFrame, ground_truth: pd.DataFrame
) -> pd.DataFrame:
    """The pipeline's summary (shared schema), with its null control."""
    return summarise_subtask1(cv_results, test_results, ground_truth, "parameters_subtask1_siamese.yml", {METHOD: "see parameters"},
                              control_results)
