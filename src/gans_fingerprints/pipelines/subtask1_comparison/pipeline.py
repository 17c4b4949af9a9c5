"""Wiring of ``subtask1_comparison``: every subtask-1 method side by side.

``pipeline_registry`` passes the subtask-1 pipelines it finds (each writes ``<source>_summary``,
``<source>_cv_results`` and ``<source>_test_results``), so a new one joins the table unedited.
"""

from __future__ import annotations

from collections.abc import Sequence

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.evaluation.subtask1 import compare_subtask1_methods


def create_pipeline(sources: Sequence[str] = ("subtask1_membership", "subtask1_siamese"), **kwargs) -> Pipeline:
    """Cross-validated and (with ground truth) test metrics of every method, and their ROC curves."""
    inputs = {"ground_truth": "subtask1_test_ground_truth"}
    for source in sources:
        inputs.update({f"{source}_summary": f"{source}_summary", f"{source}_cv": f"{source}_cv_results",
                       f"{source}_test": f"{source}_test_results"})
    return Pipeline(
        [Node(compare_subtask1_methods, inputs, ["subtask1_comparison", "subtask1_roc"], name="compare_subtask1_methods")],
        tags=["subtask1_comparison", "subtask1"],
    )
