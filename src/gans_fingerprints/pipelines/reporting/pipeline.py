"""Wiring of ``reporting``: its inputs are the method summaries ``pipeline_registry`` finds, so a new
method pipeline that writes ``<method>_summary`` reaches the report without an edit here."""

from __future__ import annotations

from collections.abc import Sequence

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.pipelines.reporting.nodes import build_results_table, key_figures, plot_results


def create_pipeline(summaries: Sequence[str] = (), **kwargs) -> Pipeline:
    """One results table across methods and subtasks, its figure, and the key figures."""
    inputs = {name: name for name in summaries}
    return Pipeline(
        [
            Node(build_results_table, {"ingestion_report": "ingestion_report", "ingestion_commit": "ingestion_commit", **inputs},
                 "results_table", name="build_results_table"),
            Node(plot_results, "results_table", "results_figure", name="plot_results"),
            Node(key_figures, {"ingestion_commit": "ingestion_commit", **inputs}, "key_figures", name="key_figures"),
        ],
        tags=["reporting"],
    )
