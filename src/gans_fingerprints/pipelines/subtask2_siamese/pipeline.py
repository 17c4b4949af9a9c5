"""Wiring of ``subtask2_siamese``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.pipelines.subtask2_siamese.nodes import (
    embed_subtask2_images,
    evaluate_subtask2_siamese,
    fit_subset_centroids,
    plot_embedding_pca,
    plot_training_curves,
    predict_subtask2,
    summarise_subtask2_siamese,
    train_subtask2_siamese,
    validate_subtask2_siamese,
    write_subtask2_siamese_run_file,
)

P = "subtask2_siamese"


def create_pipeline(**kwargs) -> Pipeline:
    """Train, embed, fit centroids, validate, predict, write the run file, evaluate, summarise, plot."""
    return Pipeline(
        [
            Node(
                train_subtask2_siamese,
                ["subtask2_train_split", "subtask2_train_image_stack", f"{P}_checkpoints", f"params:{P}", f"{P}_refit_checkpoints"],
                [f"{P}_model", f"{P}_history", f"{P}_model_parameters"],
                name=f"{P}_train",
            ),
            Node(
                embed_subtask2_images,
                [f"{P}_model", "subtask2_train_split", "subtask2_train_image_stack", "subtask2_test_manifest",
                 "subtask2_test_image_stack", f"params:{P}"],
                [f"{P}_train_embeddings", f"{P}_test_embeddings", f"{P}_reference_embeddings"],
                name=f"{P}_embed",
            ),
            Node(fit_subset_centroids, [f"{P}_reference_embeddings", f"params:{P}"], f"{P}_centroids", name=f"{P}_centroids"),
            Node(
                validate_subtask2_siamese,
                [f"{P}_train_embeddings", f"params:{P}"],
                f"{P}_validation_metrics",
                name=f"{P}_validate",
            ),
            Node(
                predict_subtask2,
                [f"{P}_test_embeddings", f"{P}_centroids", f"{P}_validation_metrics", f"params:{P}"],
                f"{P}_predictions",
                name=f"{P}_predict",
            ),
            Node(
                write_subtask2_siamese_run_file,
                [f"{P}_predictions", "subtask2_test_manifest", f"{P}_centroids", f"params:{P}"],
                f"{P}_run_file",
                name=f"{P}_run_file",
            ),
            Node(
                evaluate_subtask2_siamese,
                [f"{P}_predictions", "subtask2_test_ground_truth", f"{P}_validation_metrics", f"{P}_centroids", f"params:{P}"],
                [f"{P}_test_metrics", f"{P}_confusion_matrix"],
                name=f"{P}_evaluate",
            ),
            Node(
                summarise_subtask2_siamese,
                [f"{P}_validation_metrics", f"{P}_test_metrics", f"{P}_model_parameters", f"params:{P}"],
                f"{P}_summary",
                name=f"{P}_summary",
            ),
            Node(plot_training_curves, f"{P}_history", f"{P}_training_curves", name=f"{P}_plot_training"),
            Node(plot_embedding_pca, f"{P}_train_embeddings", f"{P}_embedding_pca", name=f"{P}_plot_pca"),
        ],
        tags=[P, "subtask2"],
    )
