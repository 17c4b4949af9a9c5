"""A release held in memory: its counts per folder and every file writing it creates."""

import numpy as np
import pandas as pd

from gans_fingerprints.benchmark.synthetic_release import GENERATORS_NAME, SyntheticRelease


def test_counts_and_planned_files_cover_images_ground_truth_and_the_generators():
    release = SyntheticRelease(writer="test", settings={}, images={
        "subtask2/train/real/t1": (["00001", "00002"], np.zeros((2, 8, 8), np.uint8)),
        "subtask2/test/generated_unknown": (["00003"], np.zeros((1, 8, 8), np.uint8)),
    }, ground_truth={"subtask2_test.csv": pd.DataFrame()})
    assert release.counts() == {"subtask2/train/real/t1": 2, "subtask2/test/generated_unknown": 1}
    planned = ["subtask2/train/real/t1/00001.png", "subtask2/train/real/t1/00002.png", "subtask2/test/generated_unknown/00003.png",
               "ground_truth/subtask2_test.csv"]
    assert release.planned_files() == planned
    release.generator_states = {}
    assert release.planned_files() == [*planned, GENERATORS_NAME]
