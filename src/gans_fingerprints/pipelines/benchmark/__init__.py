"""``benchmark``: simulated CT cohorts, real DCGANs trained per subset, written in the release layout."""

from gans_fingerprints.pipelines.benchmark.pipeline import create_pipeline

__all__ = ["create_pipeline"]
