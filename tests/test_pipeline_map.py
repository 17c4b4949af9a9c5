from kedro.framework.project import configure_project

from gans_fingerprints.pipeline_registry import register_pipelines


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
    registered["subtask2_newmethod"] = Pipeline([Node(len, "subtask2_train_split", "newmethod_results")])
    positions = layout(registered)
    assert positions["subtask2_newmethod"][0] == positions["subtask2_siamese"][0]
