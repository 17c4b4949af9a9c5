"""The Dask runner on a local cluster of two workers: the tiny benchmark and the ingestion and one feature
pipeline on it, nodes spread over both workers, and the same outputs as Kedro's sequential runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gans_fingerprints.scratch_project import make_scratch_project
from tests.helpers import checksums, run_pipelines, versions

RUNTIME = {"benchmark": {"profile": "tiny"}, "ingestion": {"image_size": 64},
           "subtask2_features": {"weights": "none", "device": "cpu"}}
NAMESPACE = ["subtask2_features.mobilenet_v2"]


def _run_all(project: Path, raw: Path, runner=None) -> list[dict[str, str]]:
    """The benchmark, the ingestion and one backbone's features; with a Dask runner, where each run's nodes ran."""
    placements = []
    for pipelines, namespaces in ((["benchmark"], None), (["ingestion"], None), (["subtask2_features"], NAMESPACE)):
        run_pipelines(project, pipelines, namespaces=namespaces, runner=runner, raw_data_root=str(raw), **RUNTIME)
        placements.append(dict(runner.placement) if runner is not None else {})
    return placements


@pytest.mark.slow
def test_two_dask_workers_share_the_nodes_and_match_the_sequential_run(tmp_path):
    from distributed import LocalCluster

    from gans_fingerprints.runners import DaskRunner

    sequential, distributed = make_scratch_project(tmp_path / "sequential"), make_scratch_project(tmp_path / "dask")
    _run_all(sequential, tmp_path / "raw_sequential")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        runner = DaskRunner(address=cluster.scheduler_address)  # one cluster for the three runs, as a team's would be
        benchmark, ingestion, features = _run_all(distributed, tmp_path / "raw_dask", runner=runner)
        workers = set(cluster.scheduler_info["workers"])

    assert len(benchmark) == 7 and len(ingestion) == 10 and len(features) == 6, "every node ran as a Dask task"
    ran_on = {worker for placement in (benchmark, ingestion, features) for worker in placement.values()}
    assert ran_on == workers and len(workers) == 2, f"nodes ran on both workers: {benchmark, ingestion, features}"
    # The weights file and the release record differ in bytes (pickling, timestamps); every image is identical.
    record = (".gans_fingerprints_generators.pt", ".gans_fingerprints_release.json")
    assert checksums(tmp_path / "raw_sequential", skip=record) == checksums(tmp_path / "raw_dask", skip=record), \
        "the same benchmark images"
    [sequential_file] = versions(sequential, "07_model_output", "subtask2_mobilenet_v2_svm.csv")
    [dask_file] = versions(distributed, "07_model_output", "subtask2_mobilenet_v2_svm.csv")
    assert sequential_file.read_text() == dask_file.read_text(), "the same run file"
    [sequential_metrics] = versions(sequential, "08_reporting", "subtask2_mobilenet_v2_test_metrics.json")
    [dask_metrics] = versions(distributed, "08_reporting", "subtask2_mobilenet_v2_test_metrics.json")
    assert json.loads(sequential_metrics.read_text()) == json.loads(dask_metrics.read_text()), "the same test metrics"
    [report] = versions(distributed, "08_reporting", "report.html")
    assert "benchmark_sample_grids/t1 (this run)" in report.read_text(), "the report shows figures drawn on the workers"


def test_nodes_reading_ingestion_tables_are_submitted_after_the_commit_of_the_default_pipeline():
    """The added edges change the order: Kedro's own order may put a reader before the commit (a KeyError once)."""
    from kedro.framework.project import pipelines
    from kedro.framework.startup import bootstrap_project

    from gans_fingerprints.pipelines.ingestion.pipeline import INGESTION_TABLES
    from gans_fingerprints.runners.dask_runner import COMMIT, submission_order, task_dependencies
    from gans_fingerprints.scratch_project import REPO_ROOT

    bootstrap_project(REPO_ROOT)
    default = pipelines["__default__"]
    dependencies = task_dependencies(default, INGESTION_TABLES)
    order = submission_order(dependencies)
    position = {node: index for index, node in enumerate(order)}
    [committer] = [node for node in default.nodes if COMMIT in node.outputs]
    readers = [node for node in default.nodes if "ingestion" not in node.tags and set(INGESTION_TABLES) & set(node.inputs)]
    assert readers and all(position[committer] < position[node] for node in readers)
    assert all(position[parent] < position[node] for node, parents in dependencies.items() for parent in parents)
    assert any(position[committer] > index for index, node in enumerate(default.nodes) if node in readers), \
        "Kedro's own order puts a reader first: the test covers the case that failed"
