"""subtask2_siamese end to end on a tiny sample release, and its clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from gans_fingerprints.evaluation.run_files import validate_run_file
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow



def run(project, raw, pipelines, **siamese):
    if "training" in siamese:
        siamese["training"] = {"min_steps": 0, **siamese["training"]}  # the paper's epoch length: tiny data, seconds
    run_pipelines(project, pipelines, raw_data_root=str(raw), ingestion={"image_size": 48}, subtask2_siamese=siamese)


def test_pipeline_writes_a_valid_run_file_metrics_and_figures(project_copy, tmp_path):
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=4, seed=2)
    run(project_copy, raw, ["ingestion"])
    run(project_copy, raw, ["subtask2_siamese"], training={"epochs": 2, "pairs_per_batch": 8, "refit": True}, device="cpu")
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
    parameters = json.loads(versions(project_copy, "06_models", "subtask2_siamese_model_parameters.json")[0].read_text())
    assert parameters["refit"] and parameters["refit_real_images"] == 20 and parameters["refit_epochs"] == parameters["kept_epoch"]
    assert parameters["refit_steps_per_epoch"] >= parameters["steps_per_epoch"], "at least the kept run's epoch length"
    reference = pd.read_parquet(versions(project_copy, "07_model_output", "subtask2_siamese_reference_embeddings.parquet")[0])
    assert len(reference) == 20 and set(reference["fold"]) == {"train", "validation"}, "the refit's centroids: every real"
    centroids = pd.read_parquet(versions(project_copy, "07_model_output", "subtask2_siamese_centroids.parquet")[0])
    means = reference.groupby("subset")[[f"e{i:03d}" for i in range(256)]].mean().loc[centroids["subset"]].to_numpy()
    assert np.allclose(centroids[[f"e{i:03d}" for i in range(256)]].to_numpy(), means, atol=1e-5)
    train_embeddings = pd.read_parquet(versions(project_copy, "07_model_output", "subtask2_siamese_train_embeddings.parquet")[0])
    held_out = train_embeddings["fold"].eq("validation") & train_embeddings["role"].eq("real")
    merged = reference.merge(train_embeddings[held_out], on="image_id", suffixes=("", "_kept"))
    assert len(merged) == 5 and not (merged["e000"] == merged["e000_kept"]).all(), "validation reads the kept run, not the refit"
    # The test images are embedded by the refit network, in the centroids' space.
    from gans_fingerprints.datasets import TorchStateDataset
    from gans_fingerprints.models.siamese import SiameseBranch
    from gans_fingerprints.models.siamese_training import embed_images

    bundle = TorchStateDataset(filepath=str(versions(project_copy, "06_models", "subtask2_siamese_model.pt")[0])).load()
    image = np.asarray(Image.open(raw / "subtask2" / "test" / "generated_unknown" / f"{test_embeddings['image_id'][0]}.png").convert("L"))
    assert image.shape == (48, 48), "the sample release is written at the ingestion size: no conversion"
    vectors = {}
    for weights in ("state_dict", "selection_state_dict"):
        network = SiameseBranch(48, tuple(parameters["filters"]), 256)
        network.load_state_dict(bundle[weights])
        vectors[weights] = embed_images(network, image[None], torch.device("cpu"))[0]
    saved = test_embeddings.filter(regex=r"^e\d{3}$").iloc[0].to_numpy()
    assert np.abs(saved - vectors["state_dict"]).max() < np.abs(saved - vectors["selection_state_dict"]).max()

    # A second run resumes nothing new (2 epochs done) and versions its outputs beside the first.
    run(project_copy, raw, ["subtask2_siamese"], training={"epochs": 2, "pairs_per_batch": 8}, device="cpu")
    assert len(versions(project_copy, "07_model_output", "subtask2_siamese.csv")) == 2
    reference = pd.read_parquet(versions(project_copy, "07_model_output", "subtask2_siamese_reference_embeddings.parquet")[-1])
    assert set(reference["fold"]) == {"train"} and len(reference) == 15, "without refit: the training fold's reals set the centroids"
