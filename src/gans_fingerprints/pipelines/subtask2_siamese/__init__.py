"""``subtask2_siamese``: the paper's Siamese network with nearest-centroid attribution."""

from gans_fingerprints.pipelines.subtask2_siamese.pipeline import create_pipeline

__all__ = ["create_pipeline"]
