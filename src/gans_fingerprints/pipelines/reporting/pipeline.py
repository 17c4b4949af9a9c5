"""Wiring of ``reporting``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.pipelines.reporting.nodes import build_results_table, key_figures, plot_results


def create_pipeline(**kwargs) -> Pipeline:
    """One results table across methods and subtasks, its figure, and the key figures."""
    return Pipeline(
        [
            Node(
                build_results_table,
                ["ingestion_report", "subtask2_siamese_validation_metrics", "subtask2_siamese_test_metrics",
                 "subtask2_siamese_model_parameters", "subtask2_features_results", "subtask1_comparison"],
                "results_table",
                name="build_results_table",
            ),
            Node(plot_results, "results_table", "results_figure", name="plot_results"),
            Node(
                key_figures,
                ["subtask2_siamese_validation_metrics", "subtask2_siamese_test_metrics", "subtask2_features_results",
                 "subtask2_siamese_history"],
                "key_figures",
                name="key_figures",
            ),
        ],
        tags=["reporting"],
    )
