"""Wiring of ``subtask1_membership``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.evaluation.subtask1 import validate_subtask1_run_files
from gans_fingerprints.pipelines.subtask1_membership.nodes import (
    membership_methods,
    membership_spaces,
    reference_generator_images,
    score_membership,
    summarise_membership,
    write_membership_run_files,
)

P = "subtask1_membership"


def create_pipeline(**kwargs) -> Pipeline:
    """Reference generators (calibrated GAN-Leaks), represent the images, score every attack, summarise, write and
    validate one run file per method."""
    run_files = {method: f"subtask1_{method}_run_file" for method in membership_methods()}
    return Pipeline(
        [
            Node(
                reference_generator_images,
                ["subtask1_train_manifest", "subtask1_train_image_stack", "subtask1_test_manifest",
                 "subtask1_test_image_stack", f"params:{P}"],
                [f"{P}_reference_generators", f"{P}_reference_images"],
                name=f"{P}_reference_generators",
            ),
            Node(
                membership_spaces,
                ["subtask1_train_manifest", "subtask1_train_image_stack", "subtask1_test_manifest",
                 "subtask1_test_image_stack", f"{P}_reference_images", f"params:{P}"],
                f"{P}_spaces",
                name=f"{P}_spaces",
            ),
            Node(score_membership, [f"{P}_spaces", f"params:{P}"], [f"{P}_cv_results", f"{P}_test_results", f"{P}_control_results"],
                 name=f"{P}_score"),
            Node(
                summarise_membership,
                [f"{P}_cv_results", f"{P}_test_results", f"{P}_control_results", "subtask1_test_ground_truth"],
                f"{P}_summary",
                name=f"{P}_summary",
            ),
            Node(write_membership_run_files, f"{P}_test_results", run_files, name=f"{P}_write_run_files"),
            Node(
                validate_subtask1_run_files,
                {"test_manifest": "subtask1_test_manifest", **run_files},
                f"{P}_run_file_check",
                name=f"{P}_validate_run_files",
            ),
        ],
        tags=[P, "subtask1"],
    )
