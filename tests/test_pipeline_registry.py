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
