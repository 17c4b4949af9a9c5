"""``reporting``: one results table across every method and subtask, with its figures."""

from gans_fingerprints.pipelines.reporting.pipeline import create_pipeline

__all__ = ["create_pipeline"]
