"""subtask2_fingerprint through the catalog on a tiny sample release, whose "generators" all leave the same trace
but copy their own subset's reals."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gans_fingerprints.evaluation.run_files import validate_run_file
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow


def test_a_run_saves_a_reloadable_model_a_run_file_figures_and_an_honest_summary(project_copy, tmp_path):
    raw = write_sample_release(tmp_path / "raw", image_size=32, per_folder=10, seed=3)
    params = {"raw_data_root": str(raw), "ingestion": {"image_size": 32}}
    run_pipelines(project_copy, ["ingestion"], **params)
    fingerprint = {"device": "cpu", "model": {"filters": [8, 16], "embedding_dim": 16},
                   "training": {"epochs": 2, "min_steps": 20, "patience": 0}}
    run_pipelines(project_copy, ["subtask2_fingerprint"], subtask2_fingerprint=fingerprint, **params)
    [first] = versions(project_copy, "08_reporting/summaries", "subtask2_fingerprint_summary.csv")
    row = pd.read_csv(first).iloc[0]
    assert "NEAR CHANCE" not in row["validation"] and "nearest real alone 1.000" in row["validation"], "the copies give it away"
    assert row["main_value"] >= 0.9
    traces_only = {**fingerprint, "content": {"enabled": False}}
    run_pipelines(project_copy, ["subtask2_fingerprint"], subtask2_fingerprint=traces_only, **params)  # a second run adds versions

    assert len(versions(project_copy, "06_models", "subtask2_fingerprint_model.pt")) == 2, "a new run never overwrites a model"
    [*_, run_file] = versions(project_copy, "07_model_output", "subtask2_fingerprint.csv")
    test_ids = [p.stem for p in (raw / "subtask2" / "test" / "generated_unknown").glob("*.png")]
    validate_run_file(run_file.read_text(), test_ids, [f"t{k}" for k in range(1, 6)], str(run_file))
    [*_, predictions] = versions(project_copy, "07_model_output", "subtask2_fingerprint_predictions.parquet")
    assert pd.read_parquet(predictions).filter(like="probability_").sum(axis=1).round(6).eq(1).all()
    for figure in ("subtask2_fingerprint_training_curves.png", "subtask2_fingerprint_confusion_matrix.png"):
        assert versions(project_copy, "08_reporting", figure), figure
    [*_, parameters] = versions(project_copy, "06_models", "subtask2_fingerprint_model_parameters.json")
    assert json.loads(parameters.read_text())["near_chance"], "traces alone, 5 held-out look-alike blurred copies: not shown to learn"
    [*_, summary] = versions(project_copy, "08_reporting/summaries", "subtask2_fingerprint_summary.csv")
    row = pd.read_csv(summary).iloc[0]
    assert row["method"] == "Fingerprint CNN" and row["table"] == "extension" and "NEAR CHANCE" in row["validation"]
