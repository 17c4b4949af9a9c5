"""``subtask1_siamese``: the paper's Siamese network for subtask 1."""

from gans_fingerprints.pipelines.subtask1_siamese.pipeline import create_pipeline

__all__ = ["create_pipeline"]
