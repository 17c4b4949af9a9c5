"""The table at the end of a run: each method's figure, the paper's beside it, warnings, and the files."""

import kedro.framework.project  # noqa: F401 - configures logging on import: before caplog attaches, as in a real run
from rich.console import Console

from gans_fingerprints.evaluation.summary import method_summary
from gans_fingerprints.terminal_summary import print_run_summary, summary_rows


def _subtask1():
    return method_summary([
        {"subtask": 1, "method": "gan_leaks_pixels", "table": "Table 3", "main_metric": "test kappa", "main_value": 0.88,
         "test_kappa": 0.88, "test_kappa_low": 0.69, "test_kappa_high": 1.0, "test_auc": 0.94, "test_auc_low": 0.81, "test_auc_high": 1.0,
         "validation": "cv kappa 0.94; null control AUC 0.53 [0.33, 0.74] p=0.78"},
        {"subtask": 1, "method": "siamese", "table": "Table 3", "main_metric": "test kappa", "main_value": 0.62, "test_kappa": 0.62,
         "test_kappa_low": 0.31, "test_kappa_high": 0.88, "test_auc": 0.91, "test_auc_low": 0.76, "test_auc_high": 1.0,
         "validation": "cv kappa 0.75; null control AUC 0.71 [0.60, 0.80] p=1e-05 OFF CHANCE: the signal may come from the split"},
    ])


def _subtask2():
    return method_summary([{"subtask": 2, "method": "Siamese network", "table": "Table 5", "main_metric": "validation accuracy (generated)",
                            "main_value": 0.31, "validation_accuracy": 0.31, "validation_accuracy_low": 0.2,
                            "validation_accuracy_high": 0.43, "validation": "attribution 0.310 NEAR CHANCE: not clearly learned"}])


def test_an_extension_row_is_not_set_beside_the_papers_figure():
    open_set = _subtask2().assign(table="extension")
    assert summary_rows([open_set])[0]["paper"] == "", "an open-set Siamese is not the paper's Table 5 setting"
    assert summary_rows([_subtask2().assign(table=None)])[0]["paper"] == "", "a row without a table reproduces nothing"


def test_rows_carry_the_figures_with_intervals_the_papers_figure_and_the_warnings():
    rows = summary_rows([_subtask2(), _subtask1()])
    assert [r["method"] for r in rows] == ["gan_leaks_pixels", "siamese", "Siamese network"], "subtask 1 first, best first"
    leaks, siamese, network = rows
    assert leaks["figure"] == "κ 0.88 [0.69, 1.00]   AUC 0.94 [0.81, 1.00]" and leaks["on"] == "test" and leaks["note"] == ""
    assert siamese["paper"] == "κ 0.036 (Table 3)" and siamese["note"] == "OFF CHANCE"
    expected = {"on": "validation", "figure": "accuracy 0.31 [0.20, 0.43]", "paper": "0.9904 (Table 5)", "note": "NEAR CHANCE"}
    assert network == {**network, **expected}


class _Catalog:
    """The call the summary makes of Kedro's catalog: a dataset by name, which loads or says where it saved."""

    def __init__(self, tables, folder):
        self.tables, self.folder = tables, folder

    def get(self, name):
        tables, folder = self.tables, self.folder

        class Dataset:
            _filepath = folder / f"{name}.csv"

            def load(self):
                return tables[name]
        return Dataset()


def test_a_run_that_wrote_summaries_ends_with_the_table_and_the_paths(tmp_path):
    for name in ("results_table", "subtask1_siamese_run_file", "subtask1_gan_leaks_pixels_run_file"):
        for version in ("2026-11-28T10.00.00.000Z", "2026-11-29T10.00.00.000Z"):
            (tmp_path / f"{name}.csv" / version).mkdir(parents=True)
            (tmp_path / f"{name}.csv" / version / f"{name}.csv").write_text("x")
    catalog = _Catalog({"subtask1_siamese_summary": _subtask1(), "subtask2_siamese_summary": _subtask2()}, tmp_path)
    console = Console(record=True, width=200)
    outputs = ["subtask1_siamese_summary", "subtask2_siamese_summary", "results_table", "subtask1_siamese_run_file",
               "subtask1_gan_leaks_pixels_run_file", "benchmark_summary"]
    assert print_run_summary(outputs, catalog, console)
    text = console.export_text()
    assert "gan_leaks_pixels" in text and "0.9904 (Table 5)" in text and "OFF CHANCE" in text
    assert f"results table: {tmp_path}/results_table.csv/2026-11-29T10.00.00.000Z/results_table.csv" in text
    assert (f"run files (2, version 2026-11-29T10.00.00.000Z) in {tmp_path}: subtask1_gan_leaks_pixels_run_file.csv, "
            "subtask1_siamese_run_file.csv") in text
    assert not print_run_summary(["ingestion_report", "benchmark_summary"], catalog, Console(record=True)), "no summary, no table"


def test_run_files_are_recognised_by_name_and_the_hook_never_fails_a_finished_run(caplog, tmp_path):
    from gans_fingerprints.hooks import RunReporting
    from gans_fingerprints.run_record import RunRecord
    from gans_fingerprints.terminal_summary import _is_run_file

    assert _is_run_file("subtask1_gan_leaks_pixels_run_file") and _is_run_file("subtask2_siamese_run_file")
    assert _is_run_file("subtask2_features.resnet50.run_file_svm")
    assert not _is_run_file("subtask1_siamese_run_file_check") and not _is_run_file("subtask2_features_summary")

    class Broken:
        def all_outputs(self):
            raise RuntimeError("boom")

    hook = RunReporting()
    hook._record = RunRecord(project_path=tmp_path, env="base", pipelines=[], parameters={})
    hook.after_pipeline_run(run_params={}, run_result={}, pipeline=Broken(), catalog=None)
    assert "Could not write the HTML report" in caplog.text and "Could not print the results table" in caplog.text
