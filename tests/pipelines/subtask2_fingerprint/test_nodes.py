"""subtask2_fingerprint's nodes end to end on constructed generators: run file, open set, metrics, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import UNKNOWN_SUBSET
from gans_fingerprints.pipelines.subtask2_fingerprint.nodes import (
    evaluate_subtask2_fingerprint,
    predict_subtask2_fingerprint,
    summarise_subtask2_fingerprint,
    train_subtask2_fingerprint,
    write_subtask2_fingerprint_run_file,
)
from tests.models.test_fingerprint_training import _generator
from tests.models.test_nearest_real import _near_copies, _reals

PARAMS = {
    "seed": 0, "device": "cpu", "precision": "float32", "train_roles": ["generated"], "inputs": ["residual", "dct"],
    "model": {"filters": [8, 16], "grid": 2, "embedding_dim": 16, "dropout": 0.0},
    "training": {"epochs": 10, "min_steps": 240, "patience": 3, "batch_size": 16, "learning_rate": 0.001, "weight_decay": 0.0,
                 "hflip": True},
    "inference": {"batch_size": 32},
    "content": {"enabled": True, "size": 16, "sigma": 1.0, "max_shift": 1, "batch_size": 64},
    "open_set": {"enabled": True, "keep_known": 0.98},
}
KINDS = {"t1": "checker", "t2": "columns", "t3": "rows"}


def _training(rng: np.random.Generator, kinds: dict[str, str] = KINDS) -> tuple[pd.DataFrame, np.ndarray]:
    rows, stacks = [], []
    for subset, kind in kinds.items():
        for role, fold, count in (("generated", "train", 40), ("generated", "validation", 12), ("real", "train", 4)):
            stacks.append(_generator(kind if role == "generated" else "none", count, rng))
            rows += [{"subset": subset, "role": role, "fold": fold}] * count
    split = pd.DataFrame(rows)
    return split.assign(stack_index=np.arange(len(split)), image_id=[f"i{i}" for i in range(len(split))]), np.concatenate(stacks)


def test_attributes_known_generators_and_calls_an_outsider_unknown():
    rng = np.random.default_rng(0)
    split, images = _training(rng)
    bundle, _, parameters, validation = train_subtask2_fingerprint(split, images, PARAMS)
    assert parameters["train_images"] == 120 and parameters["validation_images"] == 36, "reals are left out by train_roles"
    subsets = [*KINDS] * 10 + [UNKNOWN_SUBSET] * 20
    test_images = np.concatenate([*(_generator(KINDS[s], 1, rng) for s in subsets[:30]), _generator("grain", 20, rng)])
    manifest = pd.DataFrame({"image_id": [f"{i:03d}" for i in range(50)], "stack_index": np.arange(50)})
    predictions = predict_subtask2_fingerprint(bundle, manifest, test_images, split, images, PARAMS)
    probabilities = predictions[[f"probability_{s}" for s in KINDS]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-6)

    run_file = write_subtask2_fingerprint_run_file(predictions, manifest, parameters, PARAMS)
    assert run_file.splitlines()[0].split(",")[0] == "000" and len(run_file.splitlines()) == 50
    truth = pd.DataFrame({"image_id": manifest["image_id"], "subset": subsets})
    test, _ = evaluate_subtask2_fingerprint(predictions, truth, validation, parameters, PARAMS)
    assert test["unknown_recall"] >= 0.9 and test["known_accuracy"] >= 0.9
    summary = summarise_subtask2_fingerprint(validation, test, parameters)
    assert summary.loc[0, "table"] == "extension" and "outsiders flagged" in summary.loc[0, "validation"]
    assert not parameters["near_chance"] and "NEAR CHANCE" not in summary.loc[0, "validation"]

    closed = {**PARAMS, "open_set": {"enabled": False, "keep_known": 0.98}}
    closed_predictions = predict_subtask2_fingerprint(bundle, manifest, test_images, split, images, closed)
    assert UNKNOWN_SUBSET not in set(closed_predictions["subset"]), "the task's run file has no unknown label"
    with pytest.raises(UserInputError, match="unknown"):
        write_subtask2_fingerprint_run_file(predictions, manifest, parameters, closed)


def test_bad_parameters_are_one_line_errors():
    split, images = _training(np.random.default_rng(1))
    with pytest.raises(UserInputError, match="train_roles"):
        train_subtask2_fingerprint(split, images, {**PARAMS, "train_roles": ["fake"]})
    with pytest.raises(UserInputError, match="keep_known"):
        train_subtask2_fingerprint(split, images, {**PARAMS, "open_set": {"enabled": True, "keep_known": 2}})
    with pytest.raises(UserInputError, match="inputs must be"):
        train_subtask2_fingerprint(split, images, {**PARAMS, "inputs": ["spectrum"]})


def test_generators_with_one_and_the_same_trace_end_near_chance_and_say_so(caplog):
    split, images = _training(np.random.default_rng(2), dict.fromkeys(KINDS, "checker"))
    short = {**PARAMS, "training": {**PARAMS["training"], "epochs": 3, "min_steps": 30}}
    _, _, parameters, validation = train_subtask2_fingerprint(split, images, short)
    assert parameters["near_chance"] and validation["near_chance"]
    assert "Fingerprint CNN NEAR CHANCE" in caplog.text
    summary = summarise_subtask2_fingerprint(validation, {"ground_truth": False}, parameters)
    assert "NEAR CHANCE" in summary.loc[0, "validation"] and summary.loc[0, "main_metric"] == "validation accuracy (generated)"


def test_generators_with_one_trace_that_copy_their_reals_are_told_apart_by_the_nearest_real():
    """The sample release's case: every generator leaves the same trace, but each emits near copies of its own
    subset's reals. The traces alone stay near chance; the nearest-real evidence attributes the copies."""
    rng = np.random.default_rng(4)
    rows, stacks, test_stacks, test_subsets = [], [], [], []
    for subset in KINDS:
        reals = _reals(12, rng)
        for role, fold, images in (("real", "train", reals[:10]), ("real", "validation", reals[10:]),
                                   ("generated", "train", _near_copies(reals[:10], rng)),
                                   ("generated", "validation", _near_copies(reals[10:], rng))):
            stacks.append(images)  # no generator adds a trace of its own
            rows += [{"subset": subset, "role": role, "fold": fold}] * len(images)
        test_stacks.append(_near_copies(reals, rng))
        test_subsets += [subset] * len(reals)
    split = pd.DataFrame(rows).assign(stack_index=lambda t: np.arange(len(t)), image_id=lambda t: [f"i{i}" for i in range(len(t))])
    images, test_images = np.concatenate(stacks), np.concatenate(test_stacks)
    short = {**PARAMS, "training": {**PARAMS["training"], "epochs": 3, "min_steps": 30}, "open_set": {"enabled": False, "keep_known": 0.98}}
    bundle, _, parameters, validation = train_subtask2_fingerprint(split, images, short)
    assert validation["evidence_accuracy"]["nearest_real"] == 1.0 and parameters["content_weight"] > 1.0
    manifest = pd.DataFrame({"image_id": [f"{i:03d}" for i in range(len(test_images))], "stack_index": np.arange(len(test_images))})
    predictions = predict_subtask2_fingerprint(bundle, manifest, test_images, split, images, short)
    assert (predictions["subset"] == test_subsets).mean() >= 0.95
    assert (predictions["nearest_real_subset"] == test_subsets).mean() >= 0.95 and predictions["nearest_real_distance"].lt(1).all()
    summary = summarise_subtask2_fingerprint(validation, {"ground_truth": False}, parameters)
    assert "nearest real alone 1.000" in summary.loc[0, "validation"] and "+ nearest real" in summary.loc[0, "settings"]

    without = {**short, "content": {**short["content"], "enabled": False}}
    _, _, parameters, validation = train_subtask2_fingerprint(split, images, without)
    assert parameters["content"] is None and validation["evidence_accuracy"]["nearest_real"] is None


def test_content_without_reals_is_left_out_with_a_warning(caplog):
    split, images = _training(np.random.default_rng(5))
    no_reals = split[split["role"] != "real"]
    short = {**PARAMS, "training": {**PARAMS["training"], "epochs": 2, "min_steps": 10}}
    _, _, parameters, _ = train_subtask2_fingerprint(no_reals, images, short)
    assert parameters["content"] is None and "no real training images" in caplog.text


def test_cross_fitted_calibration_scores_every_generated_image_once_with_networks_that_never_saw_it():
    rng = np.random.default_rng(6)
    split, images = _training(rng)
    cross_fit = {**PARAMS, "open_set": {"enabled": True, "keep_known": 0.99, "cross_fit_folds": 3}}
    bundle, _, parameters, validation = train_subtask2_fingerprint(split, images, cross_fit)
    assert parameters["open_set_calibration"] == "156 out-of-fold generated images, 3 folds (conformal p-values)"
    assert validation["open_set"]["calibration"] == parameters["open_set_calibration"] and len(bundle["open_set_folds"]) == 3
    assert [len(fold["scores"]) for fold in bundle["open_set_folds"]] == [52, 52, 52], "each generated image scored once"
    known = [*KINDS] * 10
    test_images = np.concatenate([*(_generator(KINDS[s], 1, rng) for s in known), _generator("grain", 20, rng)])
    manifest = pd.DataFrame({"image_id": [f"{i:03d}" for i in range(50)], "stack_index": np.arange(50)})
    predictions = predict_subtask2_fingerprint(bundle, manifest, test_images, split, images, cross_fit)
    assert (predictions["subset"].iloc[30:] == UNKNOWN_SUBSET).mean() >= 0.9
    assert (predictions["subset"].iloc[:30] == known).mean() >= 0.9
    p_values = predictions["open_set_p_value"]
    assert p_values.between(1 / 157, 1).all() and p_values.iloc[30:].max() < p_values.iloc[:30].median()
    closed = {**cross_fit, "open_set": {**cross_fit["open_set"], "enabled": False},
              "training": {**PARAMS["training"], "epochs": 1, "min_steps": 4}}
    _, _, parameters, _ = train_subtask2_fingerprint(split, images, closed)
    assert parameters["open_set_calibration"] == "36 held-out generated images", "no extra training unless the open set is on"
    closed_predictions = predict_subtask2_fingerprint(bundle, manifest, test_images, split, images, closed)
    assert "open_set_p_value" not in closed_predictions and UNKNOWN_SUBSET not in set(closed_predictions["subset"])


def test_a_model_of_the_previous_version_and_a_split_without_its_reals_are_refused():
    split, images = _training(np.random.default_rng(7))
    short = {**PARAMS, "training": {**PARAMS["training"], "epochs": 1, "min_steps": 4}}
    bundle, *_ = train_subtask2_fingerprint(split, images, short)
    manifest = pd.DataFrame({"image_id": ["a"], "stack_index": [0]})
    old = {key: value for key, value in bundle.items() if key != "open_set"}  # what the previous version saved
    with pytest.raises(UserInputError, match="older version"):
        predict_subtask2_fingerprint(old, manifest, images, split, images, short)
    with pytest.raises(UserInputError, match="no real training images now"):
        predict_subtask2_fingerprint(bundle, manifest, images, split[split["role"] != "real"], images, short)


def test_cross_fitting_works_when_the_network_learns_from_reals_only():
    split, images = _training(np.random.default_rng(8))
    reals_only = {**PARAMS, "train_roles": ["real"], "training": {**PARAMS["training"], "epochs": 1, "min_steps": 4},
                  "open_set": {"enabled": True, "keep_known": 0.9, "cross_fit_folds": 2}}
    bundle, _, parameters, _ = train_subtask2_fingerprint(split, images, reals_only)
    assert parameters["open_set_calibration"].startswith("156 out-of-fold") and len(bundle["open_set_folds"]) == 2
    assert all(np.isfinite(fold["scores"].numpy()).all() for fold in bundle["open_set_folds"]), "statistics of generated images"
