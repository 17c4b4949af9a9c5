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


def test_pipeline_map_edges_follow_the_datasets_pipelines_share():
    from gans_fingerprints.pipeline_map import draw_map, layout, pipeline_edges

    configure_project("gans_fingerprints")
    registered = {name: p for name, p in register_pipelines().items() if name != "__default__"}
    edges = pipeline_edges(registered)
    assert "subtask2_train_split" in edges[("ingestion", "subtask2_siamese")]
    assert edges[("subtask1_membership", "reporting")] == ["subtask1_membership_summary"]
    assert edges[("subtask2_features", "reporting")] == ["subtask2_features_summary"]
    assert "subtask1_siamese_summary" in edges[("subtask1_siamese", "subtask1_comparison")]
    assert edges[("benchmark", "ingestion")] == ["raw_data_root"], "one dataset, written by one and read by the other"
    positions = layout(registered)
    assert set(positions) == set(registered), "every pipeline has a place on the map"
    assert len(set(positions.values())) == len(positions), "no two pipelines share a place"
    for writer, reader in edges:
        assert positions[writer][0] < positions[reader][0], "data flows left to right"
    assert draw_map(registered) is not None


def test_a_new_pipeline_gets_a_place_on_the_map():
    from kedro.pipeline import Node, Pipeline

    from gans_fingerprints.pipeline_map import layout

    configure_project("gans_fingerprints")
    registered = {name: p for name, p in register_pipelines().items() if name != "__default__"}
    registered["subtask2_fingerprint"] = Pipeline([Node(len, "subtask2_train_split", "fingerprint_results")])
    positions = layout(registered)
    assert positions["subtask2_fingerprint"][0] == positions["subtask2_siamese"][0]


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
