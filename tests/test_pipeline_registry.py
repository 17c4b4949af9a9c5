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
    from gans_fingerprints.pipeline_map import POSITIONS, draw_map, pipeline_edges

    configure_project("gans_fingerprints")
    pipelines = register_pipelines()
    assert set(POSITIONS) == set(pipelines) - {"__default__"}, "every pipeline has a place on the map"
    edges = pipeline_edges({name: pipelines[name] for name in POSITIONS})
    assert "subtask2_train_split" in edges[("ingestion", "subtask2_siamese")]
    assert ("subtask1_comparison", "reporting") in edges
    assert ("benchmark", "ingestion") not in edges, "the benchmark reaches ingestion through files only"
    assert draw_map({name: pipelines[name] for name in POSITIONS}) is not None
