import pandas as pd

from gans_fingerprints.evaluation.metrics import attribution_metrics
from gans_fingerprints.pipelines.reporting.nodes import build_results_table, key_figures, plot_results

REPORT = {
    "splits": {k: {"root": "/data/subtask", "images": 10, "image_size": 64} for k in
               ("subtask1_train", "subtask1_test", "subtask2_train", "subtask2_test")},
    "ground_truth": {"subtask1_test": {"present": True}, "subtask2_test": {"present": False}},
}
VALIDATION = {"attribution": attribution_metrics(["t1", "t2"], ["t1", "t1"], ["t1", "t2"]),
              "pair_verification": {"accuracy_cross_fitted": 0.7}}
FEATURES = pd.DataFrame([
    {"backbone": "resnet50", "features": 2048, "method": m, "weights": "none", "validation_accuracy": v,
     "validation_accuracy_real": 0.2, "validation_accuracy_generated": 0.9}
    for m, v in (("k-means", 0.3), ("SVM", 0.6))
])
SUBTASK1 = pd.DataFrame([{"method": "gan_leaks_pixels", "cv_kappa": 0.1, "cv_auc": 0.55, "test_kappa": 0.04,
                          "test_accuracy": 0.52, "test_precision": 0.5, "test_recall": 0.6, "test_f1": 0.55, "test_auc": 0.5}])


def test_results_table_puts_both_subtasks_side_by_side_with_their_provenance():
    parameters = {"epochs": 30, "pair_sampling": "paper", "learning_rate": 1e-4, "image_size": 64}
    table = build_results_table(REPORT, VALIDATION, {"ground_truth": False}, parameters, FEATURES, SUBTASK1)
    assert table["subtask"].tolist() == [1, 2, 2, 2]
    assert table.loc[0, "main_metric"] == "test kappa" and table.loc[0, "main_value"] == 0.04
    siamese = table[table["method"] == "Siamese network"].iloc[0]
    assert siamese["main_metric"] == "validation accuracy (generated)" and siamese["main_value"] == 0.5
    assert "30 epochs, paper pairs" in siamese["settings"]
    assert "test ground truth absent" in siamese["data"] and "/data/subtask" in siamese["data"]
    assert table[table["method"] == "resnet50 + SVM"]["main_value"].item() == 0.6
    assert plot_results(table) is not None


def test_key_figures_without_test_ground_truth():
    history = pd.DataFrame({"epoch": [1, 2], "validation_attribution_accuracy": [0.5, 0.7]})
    figures = key_figures(VALIDATION, {"ground_truth": False}, FEATURES, history)
    assert sorted(figures) == ["subtask2_features_validation.png", "subtask2_siamese_confusion_validation.png",
                               "subtask2_siamese_training.png"]
