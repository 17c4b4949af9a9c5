"""Wiring of ``subtask1_siamese``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.evaluation.subtask1 import validate_subtask1_run_files
from gans_fingerprints.pipelines.subtask1_siamese.nodes import (
    summarise_subtask1_siamese,
    train_and_score_subtask1_siamese,
    write_subtask1_siamese_run_file,
)

P = "subtask1_siamese"


def create_pipeline(**kwargs) -> Pipeline:
    """Train (per CV fold, then on all training reals), score, summarise, write and validate the run file."""
    return Pipeline(
        [
            Node(
                train_and_score_subtask1_siamese,
                ["subtask1_train_manifest", "subtask1_train_image_stack", "subtask1_test_manifest",
                 "subtask1_test_image_stack", f"params:{P}"],
                [f"{P}_model", f"{P}_cv_results", f"{P}_test_results", f"{P}_control_results", f"{P}_history"],
                name=f"{P}_train_and_score",
            ),
            Node(
                summarise_subtask1_siamese,
                [f"{P}_cv_results", f"{P}_test_results", f"{P}_control_results", "subtask1_test_ground_truth"],
                f"{P}_summary",
                name=f"{P}_summary",
            ),
            Node(write_subtask1_siamese_run_file, f"{P}_test_results", "subtask1_siamese_run_file", name=f"{P}_run_file"),
            Node(
                validate_subtask1_run_files,
                {"test_manifest": "subtask1_test_manifest", "siamese": "subtask1_siamese_run_file"},
                f"{P}_run_file_check",
                name=f"{P}_validate_run_file",
            ),
        ],
        tags=[P, "subtask1"],
    )
