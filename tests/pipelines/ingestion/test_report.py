"""Unit tests of the ingestion report: totals and the train/test leakage check."""

from __future__ import annotations

import shutil

import pandas as pd

from gans_fingerprints.pipelines.ingestion.report import build_ingestion_report
from tests.pipelines.ingestion.harness import SPLIT, ingest


def test_report_flags_train_test_leakage(sample_root):
    shutil.copy(
        sample_root / "subtask2" / "train" / "generated" / "gen_t1" / "gen_t1_0001.png",
        sample_root / "subtask2" / "test" / "generated_unknown" / "leaked.png",
    )
    outputs = {key: ingest(sample_root, key) for key in SPLIT}
    empty1 = pd.DataFrame({"image_id": [], "label": []})
    empty2 = pd.DataFrame({"image_id": [], "subset": []})
    report = build_ingestion_report(
        *(outputs[key][2] for key in SPLIT), *(outputs[key][0] for key in SPLIT), empty1, empty2
    )
    assert report["leakage_train_test"]["subtask2"]["count"] == 1
    assert report["leakage_train_test"]["subtask2"]["pairs"] == [
        {"test": "subtask2/test/generated_unknown/leaked.png", "train": "subtask2/train/generated/gen_t1/gen_t1_0001.png"}
    ]
    assert report["leakage_train_test"]["subtask1"]["count"] == 0
    assert report["totals"]["images"] == sum(len(outputs[key][0]) for key in SPLIT)
