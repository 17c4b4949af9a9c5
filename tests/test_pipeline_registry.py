from kedro.framework.project import configure_project

from gans_fingerprints.pipeline_registry import NOT_IN_DEFAULT, register_pipelines


def test_default_pipeline_runs_ingestion_but_never_the_benchmark_builder():
    configure_project("gans_fingerprints")
    pipelines = register_pipelines()
    assert "ingestion" in pipelines
    default_nodes = {node.name for node in pipelines["__default__"].nodes}
    assert {node.name for node in pipelines["ingestion"].nodes} <= default_nodes
    for name in NOT_IN_DEFAULT:
        if name in pipelines:
            assert not {node.name for node in pipelines[name].nodes} & default_nodes


def test_a_new_method_pipeline_reaches_the_report_and_the_comparison_unedited(monkeypatch):
    from kedro.pipeline import Node, Pipeline

    from gans_fingerprints import pipeline_registry

    configure_project("gans_fingerprints")
    found = pipeline_registry.every_pipeline()
    outputs = ["subtask1_learned_cv_results", "subtask1_learned_summary"]
    found["subtask1_learned"] = Pipeline([Node(len, "subtask1_train_manifest", outputs)])
    monkeypatch.setattr(pipeline_registry, "every_pipeline", lambda: found)
    pipelines = register_pipelines()
    assert "subtask1_learned_summary" in pipelines["reporting"].inputs()
    assert {"subtask1_learned_summary", "subtask1_learned_cv_results", "subtask1_learned_test_results"} <= (
        pipelines["subtask1_comparison"].inputs())
    assert {"subtask1_membership_summary", "subtask2_siamese_summary"} <= pipelines["reporting"].inputs()
    assert "benchmark_summary" not in pipelines["reporting"].inputs(), "the benchmark is no method"
