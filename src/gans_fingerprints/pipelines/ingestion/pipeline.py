"""Wiring of the ``ingestion`` pipeline: one node per split, ground-truth checks, one report."""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.layout import SPLITS
from gans_fingerprints.pipelines.ingestion.nodes import (
    build_ingestion_report,
    commit_ingestion,
    ingest_split,
    split_subtask2_training,
    start_ingestion,
    validate_subtask1_truth,
    validate_subtask2_truth,
)

INGESTION_TABLES = (
    *(f"{split.key}_manifest" for split in SPLITS),
    "subtask1_test_ground_truth",
    "subtask2_test_ground_truth",
    "subtask2_train_split",
)
"""Tables ingestion writes and stamps with its run id; other pipelines read them only from a committed run."""


def _split_node(split) -> Node:
    func = update_wrapper(partial(ingest_split, split=split), ingest_split)
    return Node(
        func,
        inputs=["ingestion_run", "params:ingestion"],
        outputs=[f"{split.key}_manifest", f"{split.key}_image_stack", f"{split.key}_record"],
        name=f"ingest_{split.key}",
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Check the root, ingest every split of both subtasks, check test ground truth, report, commit."""
    return Pipeline(
        [
            Node(
                start_ingestion,
                [
                    "raw_data_root@state",
                    "ingestion_spool_folder",
                    "subtask1_raw_images",
                    "subtask2_raw_images",
                    "subtask1_test_ground_truth_file",
                    "subtask2_test_ground_truth_file",
                    "params:ingestion",
                ],
                "ingestion_run",
                name="start_ingestion",
            ),
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
                    **{f"{split.key}_record": f"{split.key}_record" for split in SPLITS},
                    **{f"{split.key}_manifest": f"{split.key}_manifest" for split in SPLITS},
                    "subtask1_test_ground_truth": "subtask1_test_ground_truth",
                    "subtask2_test_ground_truth": "subtask2_test_ground_truth",
                },
                outputs="ingestion_report",
                name="build_ingestion_report",
            ),
            Node(
                commit_ingestion,
                ["ingestion_run", "ingestion_report", *INGESTION_TABLES],
                "ingestion_commit",
                name="commit_ingestion",
            ),
        ],
        tags=["ingestion"],
    )
