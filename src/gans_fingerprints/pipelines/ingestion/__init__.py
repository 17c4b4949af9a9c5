"""``ingestion``: the release folders into manifests and memory-mapped uint8 image stacks."""

from gans_fingerprints.pipelines.ingestion.pipeline import create_pipeline

__all__ = ["create_pipeline"]
