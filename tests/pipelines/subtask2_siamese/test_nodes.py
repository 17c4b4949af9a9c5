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
