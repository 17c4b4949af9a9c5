"""Experiment tracking: a tiny run logs its parameters, per-method metrics, figures and report to a temporary
MLflow store; tracking switched off writes nothing; settings, metric names and training curves."""

from __future__ import annotations

import pandas as pd
import pytest

from gans_fingerprints.evaluation.summary import method_summary
from gans_fingerprints.sample_release import write_sample_release
from gans_fingerprints.tracking import SWITCH, history_metrics, metric_key, summary_metrics, tracking_settings
from tests.helpers import run_pipelines, versions


def test_settings_are_the_projects_paths_and_the_environment_overrides_them(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv(SWITCH, "on")
    config = {"tracking": {"tracking_uri": "sqlite:///data/09_tracking/mlflow.db", "artifact_location": "data/09_tracking/a"}}
    settings = tracking_settings(config, tmp_path)
    assert settings.enabled and settings.tracking_uri == f"sqlite:///{tmp_path}/data/09_tracking/mlflow.db"
    assert settings.artifact_location == f"{tmp_path}/data/09_tracking/a"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.team:5000")
    server = tracking_settings(config, tmp_path)
    assert server.tracking_uri == "http://mlflow.team:5000", "a team's server, one setting"
    assert server.artifact_location == "", "the server's artifact store, not a path on this machine"
    assert not tracking_settings({"tracking": {"enabled": False}}, tmp_path).enabled
    monkeypatch.setenv(SWITCH, "off")
    assert not tracking_settings(config, tmp_path).enabled


def test_summaries_and_histories_become_metric_names_mlflow_accepts():
    summary = method_summary([{"subtask": 2, "method": "resnet50 + SVM", "main_metric": "test accuracy", "main_value": 0.86,
                               "test_accuracy": 0.86, "test_kappa": float("nan"), "validation": "text is not a metric"}])
    assert summary_metrics(summary) == {"subtask2/resnet50.SVM/main_value": 0.86, "subtask2/resnet50.SVM/test_accuracy": 0.86}
    assert metric_key("a (b)", "c=d") == "a _b_/c_d"
    history = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.5, 0.4], "kept": [False, True], "from_checkpoint": [True, True]})
    assert history_metrics("subtask2_siamese_history", history) == [
        ("subtask2_siamese_history/train_loss", 0.5, 1), ("subtask2_siamese_history/train_loss", 0.4, 2)]
    per_generator = pd.DataFrame({"generator": ["t1", "t2"], "family": ["ddpm", "ddpm"], "step": [100, 100], "loss": [0.2, 0.3]})
    assert history_metrics("benchmark_training_history", per_generator) == [
        ("benchmark_training_history/t1/loss", 0.2, 100), ("benchmark_training_history/t2/loss", 0.3, 100)]


@pytest.mark.slow
def test_a_tiny_run_is_tracked_in_a_temporary_store_and_tracking_can_be_switched_off(project_copy, tmp_path, monkeypatch):
    from mlflow import MlflowClient

    store = tmp_path / "store"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
    monkeypatch.setenv(SWITCH, "on")
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=6, seed=5)
    runtime = {"raw_data_root": str(raw), "ingestion": {"image_size": 48},
               "subtask1_membership": {"weights": "none", "backbone": "mobilenet_v2", "cv_folds": 2, "device": "cpu"}}
    (project_copy / "conf" / "local" / "tracking.yml").write_text("tracking:\n  enabled: false\n")
    store.mkdir()
    run_pipelines(project_copy, ["ingestion"], **runtime)
    assert list(store.iterdir()) == [], "tracking switched off in conf/local writes no store"

    (project_copy / "conf" / "local" / "tracking.yml").unlink()
    run_pipelines(project_copy, ["subtask1_membership"], **runtime)
    client = MlflowClient(f"sqlite:///{store}/mlflow.db")
    [run] = client.search_runs([client.get_experiment_by_name("gans_fingerprints").experiment_id])
    assert run.info.status == "FINISHED" and run.data.tags["pipelines"] == "subtask1_membership"
    assert run.data.params["subtask1_membership.cv_folds"] == "2"
    [summary] = versions(project_copy, "08_reporting/summaries", "subtask1_membership_summary.csv")
    expected = pd.read_csv(summary).set_index("method").loc["gan_leaks_pixels", "test_kappa"]
    assert run.data.metrics["subtask1/gan_leaks_pixels/test_kappa"] == pytest.approx(expected), "the summary's figure"
    assert run.data.metrics["seconds/subtask1_membership"] > 0
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "run_files"} <= artifacts
    [report] = versions(project_copy, "08_reporting", "report.html")
    assert "gan_leaks_pixels" in report.read_text() and (store / "mlflow.db").exists()


class _Tracker:
    """Stands in for MlflowTracker: records how the run was closed; ``fail`` makes logging raise."""

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.closed, self.run_id = fail, [], "r1"

    def finish(self, status: str) -> None:
        self.closed.append(status)

    def set_tag(self, key: str, value: str) -> None:
        pass

    def log_files(self, files) -> None:  # noqa: ARG002 - the tracker's signature
        if self.fail:
            raise OSError("artifact store unwritable")

    def log_metrics(self, points) -> None:
        list(points)


class _Pipeline:
    def all_outputs(self):
        return set()

    def datasets(self):
        return set()


def test_an_mlflow_run_is_always_closed_failed_when_its_logging_or_the_run_fails(tmp_path, caplog):
    import kedro.framework.project  # noqa: F401 - configures logging before caplog attaches, as in a real run

    from gans_fingerprints.hooks import RunReporting
    from gans_fingerprints.run_record import RunRecord

    hook = RunReporting()
    hook._record = RunRecord(project_path=tmp_path, env="base", pipelines=[], parameters={})
    hook._tracker = tracker = _Tracker(fail=True)
    hook.after_pipeline_run(run_params={}, run_result={}, pipeline=_Pipeline(), catalog=None)
    assert tracker.closed == ["FAILED"] and "Could not log this run's results to MLflow" in caplog.text

    hook._tracker = tracker = _Tracker()
    hook.on_pipeline_error(error=RuntimeError("node failed"), run_params={}, pipeline=_Pipeline(), catalog=None)
    assert tracker.closed == ["FAILED"] and hook._record.status.startswith("FAILED: RuntimeError")

    hook._tracker = tracker = _Tracker()
    hook._close_abandoned_run()  # what the exit handler does after Ctrl-C inside a run
    assert tracker.closed == ["KILLED"] and hook._tracker is None
    hook._close_abandoned_run()
    assert tracker.closed == ["KILLED"], "closed once"


def test_a_run_logs_only_the_parameters_its_nodes_read():
    from kedro.pipeline import Node, Pipeline

    from gans_fingerprints.run_record import run_parameters

    pipeline = Pipeline([Node(lambda a, b: (a, b), ["params:subtask1_membership", "params:seed"], "x", name="n")])
    parameters = {"subtask1_membership": {"cv_folds": 5}, "seed": 7, "ingestion": {"split_seed": 7}}
    assert run_parameters(pipeline, parameters) == {"subtask1_membership": {"cv_folds": 5}, "seed": 7}
