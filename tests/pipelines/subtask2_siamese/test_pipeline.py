"""subtask2_siamese end to end on a tiny sample release, and its clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.run_files import validate_run_file
from gans_fingerprints.evaluation.splits import check_subtask2_training
from gans_fingerprints.pipelines.subtask2_siamese.nodes import embed_subtask2_images
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow
PARAMS = {
    "seed": 0,
    "device": "cpu",
    "model": {"filters": [16, 32, 64, 128], "embedding_dim": 32},
    "training": {"epochs": 2, "learning_rate": 0.001, "margin": 1.0, "pair_sampling": "paper", "pairs_per_batch": 8,
                 "batch_all_per_class": 2, "resume": True},
    "inference": {"renormalise_centroids": False, "batch_size": 16},
}


def run(project, raw, pipelines, **siamese):
    run_pipelines(project, pipelines, raw_data_root=str(raw), ingestion={"image_size": 48}, subtask2_siamese=siamese)


def test_pipeline_writes_a_valid_run_file_metrics_and_figures(project_copy, tmp_path):
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=4, seed=2)
    run(project_copy, raw, ["ingestion"])
    run(project_copy, raw, ["subtask2_siamese"], training={"epochs": 2, "pairs_per_batch": 8}, device="cpu")
    [run_file] = versions(project_copy, "07_model_output", "subtask2_siamese.csv")
    test_ids = [p.stem for p in (raw / "subtask2" / "test" / "generated_unknown").glob("*.png")]
    validate_run_file(run_file.read_text(), test_ids, [f"t{k}" for k in range(1, 6)], source=str(run_file))
    assert run_file.read_text().splitlines()[0].startswith("00001,"), "natural order, no header"
    metrics = json.loads(versions(project_copy, "08_reporting", "subtask2_siamese_test_metrics.json")[0].read_text())
    assert metrics["ground_truth"] is True and metrics["n"] == 20 and 0 <= metrics["accuracy"] <= 1
    assert metrics["recall_weighted"] == pytest.approx(metrics["accuracy"])
    validation = json.loads(versions(project_copy, "08_reporting", "subtask2_siamese_validation_metrics.json")[0].read_text())
    assert validation["attribution"]["n"] == 5, "one held-out generated image per subset"
    history = pd.read_csv(versions(project_copy, "08_reporting", "subtask2_siamese_history.csv")[0])
    assert history["epoch"].tolist() == [1, 2]
    for figure in ("subtask2_siamese_training_curves.png", "subtask2_siamese_confusion_matrix.png", "subtask2_siamese_embedding_pca.png"):
        assert versions(project_copy, "08_reporting", figure), figure
    assert versions(project_copy, "06_models", "subtask2_siamese_model.pt")
    test_embeddings = pd.read_parquet(versions(project_copy, "07_model_output", "subtask2_siamese_test_embeddings.parquet")[0])
    assert len(test_embeddings) == 20 and test_embeddings.filter(regex=r"^e\d{3}$").shape[1] == 256

    # A second run resumes nothing new (2 epochs done) and versions its outputs beside the first.
    run(project_copy, raw, ["subtask2_siamese"], training={"epochs": 2, "pairs_per_batch": 8}, device="cpu")
    assert len(versions(project_copy, "07_model_output", "subtask2_siamese.csv")) == 2


def _manifest(roles_subsets):
    rows = [{"image_id": f"i{i}", "role": r, "subset": s, "content_hash": str(i), "stack_index": i}
            for i, (r, s) in enumerate(roles_subsets)]
    return pd.DataFrame(rows)


def test_subset_without_images_is_a_clear_error():
    split = _manifest([("real", "t1"), ("generated", "t1"), ("real", "t2")] * 3).assign(fold="train")
    with pytest.raises(UserInputError, match="Subset t2 has no generated training images"):
        check_subtask2_training(split)
    with pytest.raises(UserInputError, match="no subtask 2 training images"):
        check_subtask2_training(split.iloc[:0])


def test_empty_test_folder_and_size_mismatch_are_clear_errors():
    from gans_fingerprints.models.siamese import SiameseBranch

    bundle = {"state_dict": SiameseBranch(48, embedding_dim=8).state_dict(),
              "config": {"image_size": 48, "filters": [16, 32, 64, 128], "embedding_dim": 8}}
    split = _manifest([("real", "t1")]).assign(fold="train", relative_path="x")
    train = np.zeros((1, 48, 48), np.uint8)
    empty = pd.DataFrame(columns=["image_id", "relative_path", "stack_index"])
    with pytest.raises(UserInputError, match="no images in subtask2/test/generated_unknown"):
        embed_subtask2_images(bundle, split, train, empty, np.zeros((0, 48, 48), np.uint8), PARAMS)
    test = pd.DataFrame({"image_id": ["a"], "relative_path": ["a.png"], "stack_index": [0]})
    with pytest.raises(UserInputError, match="trained on 48 px images but the test images are 64 px"):
        embed_subtask2_images(bundle, split, train, test, np.zeros((1, 64, 64), np.uint8), PARAMS)
