"""Wiring of ``subtask2_fingerprint``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.pipelines.subtask2_fingerprint.nodes import (
    evaluate_subtask2_fingerprint,
    plot_fingerprint_training,
    predict_subtask2_fingerprint,
    summarise_subtask2_fingerprint,
    train_subtask2_fingerprint,
    write_subtask2_fingerprint_run_file,
)

P = "subtask2_fingerprint"


def create_pipeline(**kwargs) -> Pipeline:
    """Train (with calibration and the open-set threshold), predict, write the run file, evaluate, summarise, plot."""
    return Pipeline(
        [
            Node(
                train_subtask2_fingerprint,
                ["subtask2_train_split", "subtask2_train_image_stack", f"params:{P}"],
                [f"{P}_model", f"{P}_history", f"{P}_model_parameters", f"{P}_validation_metrics"],
                name=f"{P}_train",
            ),
            Node(
                predict_subtask2_fingerprint,
                [f"{P}_model", "subtask2_test_manifest", "subtask2_test_image_stack", "subtask2_train_split",
                 "subtask2_train_image_stack", f"params:{P}"],
                f"{P}_predictions",
                name=f"{P}_predict",
            ),
            Node(
                write_subtask2_fingerprint_run_file,
                [f"{P}_predictions", "subtask2_test_manifest", f"{P}_model_parameters", f"params:{P}"],
                f"{P}_run_file",
                name=f"{P}_run_file",
            ),
            Node(
                evaluate_subtask2_fingerprint,
                [f"{P}_predictions", "subtask2_test_ground_truth", f"{P}_validation_metrics", f"{P}_model_parameters", f"params:{P}"],
                [f"{P}_test_metrics", f"{P}_confusion_matrix"],
                name=f"{P}_evaluate",
            ),
            Node(
                summarise_subtask2_fingerprint,
                [f"{P}_validation_metrics", f"{P}_test_metrics", f"{P}_model_parameters"],
                f"{P}_summary",
                name=f"{P}_summary",
            ),
            Node(plot_fingerprint_training, f"{P}_history", f"{P}_training_curves", name=f"{P}_plot_training"),
        ],
        tags=[P, "subtask2"],
    )
