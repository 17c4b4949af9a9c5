"""Wiring of ``subtask1_comparison``: every subtask-1 method side by side."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.evaluation.subtask1 import compare_subtask1_methods


def create_pipeline(**kwargs) -> Pipeline:
    """Cross-validated and (with ground truth) test metrics of every method, and their ROC curves."""
    return Pipeline(
        [
            Node(
                compare_subtask1_methods,
                {
                    "membership_cv": "subtask1_membership_cv_results",
                    "membership_test": "subtask1_membership_test_results",
                    "siamese_cv": "subtask1_siamese_cv_results",
                    "siamese_test": "subtask1_siamese_test_results",
                    "ground_truth": "subtask1_test_ground_truth",
                },
                ["subtask1_comparison", "subtask1_roc"],
                name="compare_subtask1_methods",
            )
        ],
        tags=["subtask1_comparison", "subtask1"],
    )
