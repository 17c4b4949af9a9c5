"""Wiring of ``subtask2_features``: one template pipeline, instantiated per backbone by namespace.

Every backbone's pipeline is always in the graph (kedro viz and deployment plugins see the graph
that runs); run some with ``kedro run --namespaces subtask2_features.resnet50``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.attribution.registry import registered_classifiers
from gans_fingerprints.pipelines.subtask2_features.nodes import (
    evaluate_feature_methods,
    extract_backbone_features,
    fit_feature_classifiers,
    plot_cluster_projections,
    predict_test_subsets,
    summarise_feature_methods,
    write_feature_run_files,
)

BACKBONE_NAMES = ("mobilenet_v2", "resnet50", "efficientnet_b0", "densenet121")
"""The backbones of ``models.backbones.BACKBONES``, in the paper's order (named here so wiring needs no torch)."""

SHARED_INPUTS = {
    "subtask2_train_split",
    "subtask2_train_image_stack",
    "subtask2_test_manifest",
    "subtask2_test_image_stack",
    "subtask2_test_ground_truth",
}


SUMMARIES = ("validation_metrics", "test_metrics", "extraction")
"""Per-backbone outputs the pipeline's summary reads; exposed outside the namespace under plain names."""


def summary_name(backbone: str, name: str) -> str:
    return f"subtask2_features_{backbone}_{name}"


def _for(func, backbone: str):
    return update_wrapper(partial(func, backbone=backbone), func)


def backbone_pipeline(backbone: str) -> Pipeline:
    """Extract, fit, predict, write run files, evaluate and plot for one backbone (namespace
    ``subtask2_features.<backbone>``)."""
    template = Pipeline(
        [
            Node(
                _for(extract_backbone_features, backbone),
                ["subtask2_train_split", "subtask2_train_image_stack", "subtask2_test_manifest",
                 "subtask2_test_image_stack", "params:subtask2_features"],
                ["train_features", "test_features", "extraction"],
                name="extract_features",
            ),
            Node(
                _for(fit_feature_classifiers, backbone),
                ["train_features", "params:subtask2_features"],
                ["classifiers", "validation_metrics"],
                name="fit_classifiers",
            ),
            Node(predict_test_subsets, ["classifiers", "test_features"], "predictions", name="predict"),
            Node(
                write_feature_run_files,
                ["predictions", "subtask2_test_manifest", "classifiers"],
                {name: f"run_file_{name}" for name in registered_classifiers()},
                name="write_run_files",
            ),
            Node(
                evaluate_feature_methods,
                ["predictions", "subtask2_test_ground_truth", "validation_metrics", "classifiers"],
                ["test_metrics", "confusion_matrices"],
                name="evaluate",
            ),
            Node(plot_cluster_projections, ["train_features", "classifiers"], "cluster_pca", name="plot_clusters"),
        ]
    )
    return Pipeline(
        template,
        namespace=f"subtask2_features.{backbone}",
        inputs=SHARED_INPUTS,
        outputs={name: summary_name(backbone, name) for name in SUMMARIES},
        parameters={"params:subtask2_features"},
        tags=["subtask2_features", "subtask2", backbone],
    )


def create_pipeline(backbones: Sequence[str] = BACKBONE_NAMES, **kwargs) -> Pipeline:
    """One pipeline per backbone, and the pipeline's summary across them (Tables 4-5, shared schema).

    The summary's inputs are keyed ``<backbone>__<part>``, so it reads each by name.
    """
    parts = {f"{b}__{name}": summary_name(b, name) for b in backbones for name in SUMMARIES}
    summary = Node(summarise_feature_methods, parts, "subtask2_features_summary", name="subtask2_features_summary")
    return Pipeline([*(backbone_pipeline(b) for b in backbones), summary], tags=["subtask2_features", "subtask2"])
