"""``subtask1_comparison``: one table and one ROC figure across all subtask-1 methods."""

from gans_fingerprints.pipelines.subtask1_comparison.pipeline import create_pipeline

__all__ = ["create_pipeline"]
