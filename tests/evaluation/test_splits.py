"""Training splits: the held-out validation fold, and the checks before subtask-2 training."""

import pandas as pd
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.splits import check_subtask2_training, holdout_split
from tests.helpers import toy_manifest


def test_holdout_split_is_stratified_and_seeded():
    manifest = pd.DataFrame({"role": ["real"] * 20 + ["generated"] * 20, "subset": (["t1"] * 10 + ["t2"] * 10) * 2})
    fold = holdout_split(manifest, 0.1, seed=4)
    assert (fold == "validation").groupby([manifest["role"], manifest["subset"]]).sum().eq(1).all()
    assert fold.equals(holdout_split(manifest, 0.1, seed=4))
    assert not fold.equals(holdout_split(manifest, 0.1, seed=5))


def test_subset_without_images_is_a_clear_error():
    split = toy_manifest([("real", "t1"), ("generated", "t1"), ("real", "t2")] * 3).assign(fold="train")
    with pytest.raises(UserInputError, match="Subset t2 has no generated training images"):
        check_subtask2_training(split)
    with pytest.raises(UserInputError, match="no subtask 2 training images"):
        check_subtask2_training(split.iloc[:0])
