"""subtask2_features on a tiny sample release, one backbone chosen with Kedro's --namespaces."""

from __future__ import annotations

import pandas as pd
import pytest

from gans_fingerprints.evaluation.run_files import validate_run_file
from gans_fingerprints.pipelines.subtask2_features.nodes import summarise_feature_methods
from gans_fingerprints.pipelines.subtask2_features.pipeline import BACKBONE_NAMES, create_pipeline
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow


@pytest.fixture
def toy_classifier(monkeypatch):
    """A new classifier added the documented way: one builder, one registry entry (and one YAML block, below)."""
    from sklearn.neighbors import NearestCentroid

    from gans_fingerprints.attribution import registry

    monkeypatch.setattr(registry, "CLASSIFIERS", dict(registry.registered_classifiers()))  # restored after the test
    seen_options = []

    @registry.register_classifier("toy_centroid", title="toy nearest centroid")
    def toy_centroid(seed, shrink_threshold=None):
        seen_options.append(shrink_threshold)
        return NearestCentroid(shrink_threshold=shrink_threshold)

    return seen_options


def test_one_backbone_by_namespace_writes_metrics_figures_and_run_files(project_copy, tmp_path, toy_classifier):
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=4, seed=2)
    params = {"raw_data_root": str(raw), "ingestion": {"image_size": 48}}
    run_pipelines(project_copy, ["ingestion"], **params)
    features = {"weights": "none", "device": "cpu", "classifiers": {"toy_centroid": {"shrink_threshold": 0.1}}}
    run_pipelines(project_copy, ["subtask2_features"], namespaces=["subtask2_features.mobilenet_v2"],
                  subtask2_features=features, **params)
    [validation_path] = versions(project_copy, "08_reporting", "subtask2_mobilenet_v2_validation_metrics.json")
    [test_path] = versions(project_copy, "08_reporting", "subtask2_mobilenet_v2_test_metrics.json")
    [extraction_path] = versions(project_copy, "04_feature", "subtask2_mobilenet_v2_extraction.json")
    summaries = {f"mobilenet_v2__{name}": pd.read_json(path, typ="series").to_dict() for name, path in
                 (("validation_metrics", validation_path), ("test_metrics", test_path), ("extraction", extraction_path))}
    table = summarise_feature_methods(**summaries)
    assert table["method"].tolist() == ["mobilenet_v2 + k-means", "mobilenet_v2 + hierarchical clustering", "mobilenet_v2 + SVM",
                                        "mobilenet_v2 + SVM, real + generated", "mobilenet_v2 + toy nearest centroid"]
    assert table["table"].tolist() == ["Table 4, clusters matched to subsets"] * 2 + ["Tables 4-5", "extension", "extension"]
    assert table.loc[2, "settings"] == "1280 features, trained on 15 real images, parameters_subtask2_features.yml", "the authors' SVM"
    assert set(toy_classifier) == {0.1}, "the classifier's YAML block reached it"
    assert table["settings"].str.startswith("1280 features").all() and table["weights"].str.startswith("none").all()
    assert table["test_accuracy"].between(0, 1).all(), "the sample release has ground truth"
    assert (table["main_value"] == table["test_accuracy"]).all()
    test_ids = [p.stem for p in (raw / "subtask2" / "test" / "generated_unknown").glob("*.png")]
    for method in ("kmeans", "hierarchical", "svm", "svm_generated", "toy_centroid"):
        [run_file] = versions(project_copy, "07_model_output", f"subtask2_mobilenet_v2_{method}.csv")
        validate_run_file(run_file.read_text(), test_ids, [f"t{k}" for k in range(1, 6)], str(run_file))
    confusion = sorted((project_copy / "data" / "08_reporting" / "subtask2_mobilenet_v2_confusion_matrices").glob("*/*/*.png"))
    assert [p.name for p in confusion] == ["hierarchical.png", "kmeans.png", "svm.png", "svm_generated.png", "toy_centroid.png"]
    pca = sorted((project_copy / "data" / "08_reporting" / "subtask2_mobilenet_v2_cluster_pca").glob("*/*/*.png"))
    assert [p.name for p in pca] == ["hierarchical.png", "kmeans.png"]
    assert not list((project_copy / "data" / "04_feature").glob("subtask2_resnet50_*")), "other namespaces do not run"


def test_the_graph_is_static_and_the_summary_reads_its_inputs_by_name():
    pipeline = create_pipeline()
    namespaces = {node.namespace for node in pipeline.nodes if node.namespace}
    assert namespaces == {f"subtask2_features.{name}" for name in BACKBONE_NAMES}
    [table] = [node for node in pipeline.nodes if node.name == "subtask2_features_summary"]
    assert table._inputs == {
        f"{b}__{n}": f"subtask2_features_{b}_{n}" for b in BACKBONE_NAMES for n in ("validation_metrics", "test_metrics", "extraction")
    }
