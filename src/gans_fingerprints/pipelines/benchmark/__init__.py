"""``benchmark``: simulated CT cohorts and a real generator (DCGAN or diffusion model) per subset and per
subtask-1 split, written in the release layout."""

from gans_fingerprints.pipelines.benchmark.pipeline import create_pipeline

__all__ = ["create_pipeline"]
