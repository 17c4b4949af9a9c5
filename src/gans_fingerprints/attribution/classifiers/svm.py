"""A support-vector machine on the features (the paper's section 3.1.1, its best feature method)."""

from __future__ import annotations

from sklearn.svm import SVC, LinearSVC

from gans_fingerprints.attribution.registry import register_classifier


@register_classifier("svm", title="SVM")
def svm(seed: int, kernel: str = "linear", C: float = 1.0) -> LinearSVC | SVC:
    """``kernel: linear`` uses LinearSVC; ``rbf``, ``poly`` and ``sigmoid`` use SVC."""
    if kernel == "linear":
        return LinearSVC(C=float(C), random_state=seed, max_iter=20000)
    return SVC(kernel=str(kernel), C=float(C), random_state=seed)
