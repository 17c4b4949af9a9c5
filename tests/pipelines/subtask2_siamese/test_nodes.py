"""subtask2_siamese's nodes: clear errors before embedding the test images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.pipelines.subtask2_siamese.nodes import embed_subtask2_images
from tests.helpers import toy_manifest

PARAMS = {
    "seed": 0,
    "device": "cpu",
    "model": {"filters": [16, 32, 64, 128], "embedding_dim": 32},
    "training": {"epochs": 2, "learning_rate": 0.001, "margin": 1.0, "pair_sampling": "paper", "pairs_per_batch": 8,
                 "batch_all_per_class": 2, "resume": True},
    "inference": {"renormalise_centroids": False, "batch_size": 16},
}


def test_empty_test_folder_and_size_mismatch_are_clear_errors():
    from gans_fingerprints.models.siamese import SiameseBranch

    bundle = {"state_dict": SiameseBranch(48, embedding_dim=8).state_dict(),
              "config": {"image_size": 48, "filters": [16, 32, 64, 128], "embedding_dim": 8}}
    split = toy_manifest([("real", "t1")]).assign(fold="train", relative_path="x")
    train = np.zeros((1, 48, 48), np.uint8)
    empty = pd.DataFrame(columns=["image_id", "relative_path", "stack_index"])
    with pytest.raises(UserInputError, match="no images in subtask2/test/generated_unknown"):
        embed_subtask2_images(bundle, split, train, empty, np.zeros((0, 48, 48), np.uint8), PARAMS)
    test = pd.DataFrame({"image_id": ["a"], "relative_path": ["a.png"], "stack_index": [0]})
    with pytest.raises(UserInputError, match="trained on 48 px images but the test images are 64 px"):
        embed_subtask2_images(bundle, split, train, test, np.zeros((1, 64, 64), np.uint8), PARAMS)


def _embeddings(points, **columns) -> pd.DataFrame:
    table = pd.DataFrame({f"e{i:03d}": np.asarray(points, dtype=np.float32)[:, i] for i in range(2)})
    return pd.concat([pd.DataFrame(columns), table], axis=1)


def test_the_open_set_decision_calls_an_image_far_from_every_centroid_unknown():
    from gans_fingerprints.pipelines.subtask2_siamese.nodes import (
        predict_subtask2,
        validate_subtask2_siamese,
        write_subtask2_siamese_run_file,
    )

    centroids = _embeddings([[0, 0], [10, 0]], subset=["t1", "t2"])
    held_out = [[0.5, 0], [0, 1.0], [10, 0.8], [9.7, 0]]
    train = _embeddings([[0, 0], [10, 0], *held_out, *held_out], role=["real"] * 2 + ["generated"] * 4 + ["real"] * 4,
                        fold=["train"] * 2 + ["validation"] * 8, subset=["t1", "t2"] + ["t1", "t1", "t2", "t2"] * 2,
                        image_id=[f"v{i}" for i in range(10)])
    params = {**PARAMS, "open_set": {"enabled": True, "keep_known": 0.98}}
    validation = validate_subtask2_siamese(train, params)  # centroids: the training fold's reals, [0, 0] and [10, 0]
    assert validation["open_set"]["threshold"] == pytest.approx(1.0), "the largest held-out distance"
    test = _embeddings([[0.2, 0.1], [5, 5], [10, 0.5]], image_id=["a", "b", "c"])
    predictions = predict_subtask2(test, centroids, validation, params)
    assert predictions["subset"].tolist() == ["t1", "unknown", "t2"]
    manifest = pd.DataFrame({"image_id": ["a", "b", "c"]})
    assert write_subtask2_siamese_run_file(predictions, manifest, centroids, params) == "a,t1\nb,unknown\nc,t2\n"
    closed = {**params, "open_set": {"enabled": False, "keep_known": 0.98}}
    assert predict_subtask2(test, centroids, validation, closed)["subset"].tolist() == ["t1", "t1", "t2"]


def test_refit_and_open_set_together_are_refused_before_training():
    from gans_fingerprints.pipelines.subtask2_siamese.nodes import train_subtask2_siamese

    split = toy_manifest([("real", "t1"), ("generated", "t1")]).assign(fold="train", relative_path="x")
    params = {**PARAMS, "training": {**PARAMS["training"], "refit": True}, "open_set": {"enabled": True, "keep_known": 0.98}}
    with pytest.raises(UserInputError, match=r"set training\.refit: false to use open_set"):
        train_subtask2_siamese(split, np.zeros((2, 48, 48), np.uint8), None, params)
