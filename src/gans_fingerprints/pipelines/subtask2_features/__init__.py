"""``subtask2_features``: ImageNet CNN features with k-means, hierarchical clustering and SVM."""

from gans_fingerprints.pipelines.subtask2_features.pipeline import create_pipeline

__all__ = ["create_pipeline"]
