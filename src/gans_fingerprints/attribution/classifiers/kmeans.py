"""k-means clustering as a subset classifier (the paper's section 3.1.1)."""

from __future__ import annotations

from gans_fingerprints.attribution.registry import register_classifier
from gans_fingerprints.evaluation.clustering import KMeansAttribution


@register_classifier("kmeans", title="k-means", paper={}, paper_table="Table 4, clusters matched to subsets")
def kmeans(seed: int) -> KMeansAttribution:
    return KMeansAttribution(random_state=seed)
