"""Wiring of the ``ingestion`` pipeline: one node per split, ground-truth checks, one report."""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.layout import SPLITS
from gans_fingerprints.pipelines.ingestion.nodes import (
    build_ingestion_report,
    ingest_split,
    split_subtask2_training,
    validate_subtask1_truth,
    validate_subtask2_truth,
)


def _split_node(split) -> Node:
    func = update_wrapper(partial(ingest_split, split=split), ingest_split)
    return Node(
        func,
        inputs=[f"{split.subtask}_raw_images", "params:ingestion"],
        outputs=[f"{split.key}_manifest", f"{split.key}_image_stack", f"{split.key}_summary"],
        name=f"ingest_{split.key}",
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Ingest every split of both subtasks, check test ground truth, and report."""
    return Pipeline(
        [
            *(_split_node(split) for split in SPLITS),
            Node(
                validate_subtask1_truth,
                inputs=["subtask1_test_manifest", "subtask1_test_ground_truth_file"],
                outputs="subtask1_test_ground_truth",
                name="validate_subtask1_ground_truth",
            ),
            Node(
                validate_subtask2_truth,
                inputs=["subtask2_test_manifest", "subtask2_test_ground_truth_file", "params:ingestion"],
                outputs="subtask2_test_ground_truth",
                name="validate_subtask2_ground_truth",
            ),
            Node(
                split_subtask2_training,
                ["subtask2_train_manifest", "params:ingestion"],
                "subtask2_train_split",
                name="split_subtask2_training",
            ),
            Node(
                build_ingestion_report,
                inputs={
                    **{f"{split.key}_summary": f"{split.key}_summary" for split in SPLITS},
                    **{f"{split.key}_manifest": f"{split.key}_manifest" for split in SPLITS},
                    "subtask1_test_ground_truth": "subtask1_test_ground_truth",
                    "subtask2_test_ground_truth": "subtask2_test_ground_truth",
                },
                outputs="ingestion_report",
                name="build_ingestion_report",
            ),
        ],
        tags=["ingestion"],
    )
