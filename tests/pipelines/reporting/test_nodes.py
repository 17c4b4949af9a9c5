
from gans_fingerprints.evaluation.summary import SUMMARY_COLUMNS, method_summary
from gans_fingerprints.pipelines.reporting.nodes import COLUMNS, build_results_table, key_figures, plot_results

REPORT = {
    "splits": {k: {"root": "/data/subtask", "images": 10, "image_size": 64} for k in
               ("subtask1_train", "subtask1_test", "subtask2_train", "subtask2_test")},
    "ground_truth": {"subtask1_test": {"present": True}, "subtask2_test": {"present": False}},
}
COMMIT = {"run_id": None}
SUBTASK1 = method_summary([
    {"subtask": 1, "method": m, "table": "Table 3", "main_metric": "test kappa", "main_value": v, "validation_kappa": 0.1,
     "test_kappa": v, "settings": "parameters_subtask1_membership.yml"}
    for m, v in (("gan_leaks_pixels", 0.04), ("domias_pixels", 0.3), ("monte_carlo_pixels", -0.2))
])
SIAMESE1 = method_summary([{"subtask": 1, "method": "siamese", "table": "Table 3", "main_metric": "test kappa", "main_value": 0.1}])
FEATURES = method_summary([
    {"subtask": 2, "method": f"resnet50 + {m}", "table": t, "main_metric": "validation accuracy", "main_value": v,
     "validation_accuracy": v, "weights": "none"}
    for m, t, v in (("k-means", "Table 4, clusters matched to subsets", 0.3), ("SVM", "Tables 4-5", 0.6),
                    ("SVM, real + generated", "extension", 0.9))
])
FINGERPRINT = method_summary([{"subtask": 2, "method": "Fingerprint CNN", "table": "extension", "main_metric": "test accuracy",
                               "main_value": 0.99}])
SIAMESE2 = method_summary([{"subtask": 2, "method": "Siamese network", "table": "Table 5", "main_metric": "validation accuracy (generated)",
                            "main_value": 0.5, "validation_accuracy": 0.5, "settings": "30 epochs, paper pairs"}])


def test_the_table_assembles_whatever_summaries_exist_in_a_fixed_order(caplog):
    table = build_results_table(REPORT, COMMIT, subtask1_membership_summary=SUBTASK1, subtask1_siamese_summary=SIAMESE1,
                                subtask2_features_summary=FEATURES, subtask2_fingerprint_summary=FINGERPRINT,
                                subtask2_siamese_summary=SIAMESE2, subtask9_new_summary=None)
    assert list(table.columns) == COLUMNS
    assert table["method"].tolist() == ["domias_pixels", "siamese", "gan_leaks_pixels", "monte_carlo_pixels",
                                        "Siamese network", "resnet50 + SVM", "resnet50 + k-means", "resnet50 + SVM, real + generated",
                                        "Fingerprint CNN"], \
        "subtask 1 best first; subtask 2: Table 5, Tables 4-5, Table 4, extensions, each summary's rows in order"
    assert "test ground truth absent" in table.loc[4, "data"] and "test ground truth present" in table.loc[0, "data"]
    assert "subtask9_new_summary" in caplog.text, "a summary no run has written is named, not silently dropped"
    assert plot_results(table) is not None


def test_one_method_alone_makes_a_report():
    table = build_results_table(REPORT, COMMIT, subtask1_membership_summary=None, subtask2_siamese_summary=SIAMESE2)
    assert table["method"].tolist() == ["Siamese network"]


def test_a_report_before_any_method_ran_says_what_to_run():
    import pytest

    from gans_fingerprints.errors import UserInputError

    expected = r"No method has written a summary of the current data yet \(subtask2_siamese_summary; ingestion None\): run the methods"
    with pytest.raises(UserInputError, match=expected):
        build_results_table(REPORT, COMMIT, subtask2_siamese_summary=None)


def test_a_summary_row_outside_the_schema_is_refused():
    import pytest

    with pytest.raises(ValueError, match=r"unknown columns \['test_mystery'\]"):
        method_summary([{"subtask": 1, "method": "x", "main_metric": "kappa", "main_value": 0, "test_mystery": 1}])
    with pytest.raises(ValueError, match=r"missing \['main_value'\]"):
        method_summary([{"subtask": 1, "method": "x", "main_metric": "kappa"}])
    assert list(method_summary([]).columns) == SUMMARY_COLUMNS


def test_key_figures_show_validation_beside_test_where_there_is_one():
    figures = key_figures(COMMIT, subtask1_membership_summary=SUBTASK1, subtask2_features_summary=FEATURES, subtask2_siamese_summary=None)
    assert sorted(figures) == ["subtask1_validation_and_test.png", "subtask2_validation_and_test.png"]
    legend = [t.get_text() for t in figures["subtask1_validation_and_test.png"].axes[0].get_legend().get_texts()]
    assert legend == ["validation", "test"]
    legend = [t.get_text() for t in figures["subtask2_validation_and_test.png"].axes[0].get_legend().get_texts()]
    assert legend == ["validation"], "no test column without ground truth"
    import pytest

    from gans_fingerprints.errors import UserInputError

    with pytest.raises(UserInputError, match="No method has written a summary of the current data yet"):
        key_figures(COMMIT, subtask2_siamese_summary=None)


def test_a_summary_of_another_ingestion_is_left_out_and_named(caplog):
    old, new = SIAMESE2.assign(ingestion_run="20261127T090000Z-aaaa"), FEATURES.assign(ingestion_run="20261128T120000Z-bbbb")
    table = build_results_table(REPORT, {"run_id": "20261128T120000Z-bbbb"}, subtask2_siamese_summary=old, subtask2_features_summary=new)
    assert table["method"].tolist() == ["resnet50 + SVM", "resnet50 + k-means", "resnet50 + SVM, real + generated"]
    assert "subtask2_siamese_summary (from ingestion 20261127T090000Z-aaaa)" in caplog.text
    assert "the current data are ingestion 20261128T120000Z-bbbb" in caplog.text
