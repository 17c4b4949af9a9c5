"""subtask2_features on a tiny sample release, with one backbone chosen by parameter."""

from __future__ import annotations

import pandas as pd
import pytest

from gans_fingerprints.evaluation.run_files import validate_run_file
from gans_fingerprints.pipelines.subtask2_features import selection
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow


def run(project, raw, pipelines, **features):
    run_pipelines(project, pipelines, raw_data_root=str(raw), ingestion={"image_size": 48}, subtask2_features=features)


def test_one_backbone_by_parameter_writes_table_figures_and_run_files(project_copy, tmp_path):
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=4, seed=2)
    run(project_copy, raw, ["ingestion"])
    try:
        run(project_copy, raw, ["subtask2_features"], backbones=["mobilenet_v2"], weights="none", device="cpu")
    finally:
        selection.select_backbones(selection.BACKBONE_NAMES)
    [table_path] = versions(project_copy, "08_reporting", "subtask2_features_results.csv")
    table = pd.read_csv(table_path)
    assert table[["backbone", "features", "method"]].values.tolist() == [
        ["mobilenet_v2", 1280, "k-means"], ["mobilenet_v2", 1280, "hierarchical clustering"], ["mobilenet_v2", 1280, "SVM"]
    ]
    assert table["weights"].str.startswith("none").all()
    assert table["test_accuracy"].between(0, 1).all(), "the sample release has ground truth"
    test_ids = [p.stem for p in (raw / "subtask2" / "test" / "generated_unknown").glob("*.png")]
    for method in ("kmeans", "hierarchical", "svm"):
        [run_file] = versions(project_copy, "07_model_output", f"subtask2_mobilenet_v2_{method}.csv")
        validate_run_file(run_file.read_text(), test_ids, [f"t{k}" for k in range(1, 6)], str(run_file))
    assert versions(project_copy, "08_reporting", "subtask2_mobilenet_v2_svm_confusion_matrix.png")
    pca = sorted((project_copy / "data" / "08_reporting" / "subtask2_mobilenet_v2_cluster_pca").glob("*/*/*.png"))
    assert [p.name for p in pca] == ["hierarchical.png", "kmeans.png"]
    assert not list((project_copy / "data" / "04_feature").glob("subtask2_resnet50_*")), "unselected backbones do not run"
    assert versions(project_copy, "04_feature", "subtask2_mobilenet_v2_train_features.parquet")


def test_unknown_backbone_in_the_parameter_is_a_clear_error():
    from gans_fingerprints.errors import UserInputError

    with pytest.raises(UserInputError, match="must name some of"):
        selection.select_backbones(["vgg16"])
    assert selection.selected_backbones() == selection.BACKBONE_NAMES
