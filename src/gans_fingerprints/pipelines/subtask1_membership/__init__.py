"""``subtask1_membership``: black-box membership attacks (GAN-Leaks, threshold_max, DOMIAS, Monte-Carlo)."""

from gans_fingerprints.pipelines.subtask1_membership.pipeline import create_pipeline

__all__ = ["create_pipeline"]
