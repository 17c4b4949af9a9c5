"""Agglomerative clustering as a subset classifier (the paper's section 3.1.1)."""

from __future__ import annotations

from gans_fingerprints.attribution.registry import register_classifier
from gans_fingerprints.evaluation.clustering import AgglomerativeAttribution


@register_classifier("hierarchical", title="hierarchical clustering", paper={}, paper_table="Table 4, clusters matched to subsets")
def hierarchical(seed: int, linkage: str = "ward", max_samples: int = 10000) -> AgglomerativeAttribution:
    """``max_samples``: agglomerative clustering needs memory quadratic in the points it clusters."""
    return AgglomerativeAttribution(linkage=str(linkage), max_samples=int(max_samples), random_state=seed)
