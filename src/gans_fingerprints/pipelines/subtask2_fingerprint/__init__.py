"""``subtask2_fingerprint``: a generator-fingerprint classifier on trace channels (beyond the paper)."""

from gans_fingerprints.pipelines.subtask2_fingerprint.pipeline import create_pipeline

__all__ = ["create_pipeline"]
