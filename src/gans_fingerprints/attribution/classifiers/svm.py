"""A support-vector machine on the features (the paper's section 3.1.1, its best feature method)."""

from __future__ import annotations

from sklearn.svm import SVC, LinearSVC

from gans_fingerprints.attribution.registry import register_classifier
from gans_fingerprints.errors import UserInputError

SOLVERS = ("libsvm", "liblinear")


AUTHORS = {"kernel": "linear", "C": 1.0, "solver": "libsvm", "train_roles": ["real"]}
"""The authors' SVM: scikit-learn's linear ``SVC`` with C = 1 on the real training images' features."""


@register_classifier("svm", title="SVM", paper=AUTHORS, paper_table="Tables 4-5")
def svm(seed: int, kernel: str = "linear", C: float = 1.0, solver: str = "libsvm") -> LinearSVC | SVC:
    """``SVC(kernel, C)``, the authors' classifier; ``solver: liblinear`` (``kernel: linear`` only) uses
    ``LinearSVC`` instead, which scales to more images but on few images in many dimensions may not
    converge (measured on the demo's 360 EfficientNet feature vectors: 21 s and no convergence, where
    ``SVC`` takes 0.1 s)."""
    if solver not in SOLVERS:
        raise UserInputError(f"subtask2_features.classifiers.svm.solver must be one of {list(SOLVERS)}, not {solver!r} "
                             "(parameters_subtask2_features.yml).")
    if solver == "liblinear":
        if kernel != "linear":
            raise UserInputError(f"subtask2_features.classifiers.svm.solver liblinear is linear only, not kernel {kernel!r} "
                                 "(parameters_subtask2_features.yml).")
        return LinearSVC(C=float(C), random_state=seed, max_iter=20000)
    return SVC(kernel=str(kernel), C=float(C), random_state=seed)
