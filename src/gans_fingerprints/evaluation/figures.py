"""Figures shared by the methods: confusion matrices and PCA-2D projections."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.metrics import ConfusionMatrixDisplay


def confusion_figure(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str) -> Figure:
    """Counts of true (rows) against predicted (columns) classes (scikit-learn's ``ConfusionMatrixDisplay``)."""
    figure, axis = plt.subplots(figsize=(4.8, 4.2))
    ConfusionMatrixDisplay(np.asarray(matrix), display_labels=list(labels)).plot(ax=axis, cmap="Blues", colorbar=True)
    axis.set(xlabel="predicted", ylabel="true", title=title)
    figure.tight_layout()
    return figure


def pca_figure(
    features: np.ndarray,
    colour_labels: Sequence[str],
    is_real: Sequence[bool],
    title: str,
    centre_label_prefix: str | None = None,
) -> Figure:
    """PCA(2) of ``features``: real images 'o', generated '^', one colour per label.

    With ``centre_label_prefix`` (e.g. "Cluster"), each label's mean position gets a text label.
    """
    points = PCA(n_components=2, random_state=0).fit_transform(np.asarray(features, dtype=np.float64))
    colour_labels = np.asarray(colour_labels).astype(str)
    is_real = np.asarray(is_real, dtype=bool)
    figure, axis = plt.subplots(figsize=(6.4, 5.2))
    colours = plt.get_cmap("tab10")
    for index, label in enumerate(sorted(set(colour_labels))):
        chosen = colour_labels == label
        for real, marker in ((True, "o"), (False, "^")):
            mask = chosen & (is_real == real)
            if mask.any():
                axis.scatter(*points[mask].T, s=14, marker=marker, color=colours(index % 10), alpha=0.7,
                             label=f"{label} ({'real' if real else 'generated'})")
        if centre_label_prefix is not None:
            centre = points[chosen].mean(axis=0)
            axis.annotate(f"{centre_label_prefix} {label}", centre, fontsize=9, weight="bold", ha="center")
    axis.set(title=title, xlabel="PC 1", ylabel="PC 2")
    axis.legend(fontsize=7, ncol=2, loc="best")
    figure.tight_layout()
    return figure
