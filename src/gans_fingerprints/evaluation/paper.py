"""The paper's published figures (AI Multimedia Lab, ImageCLEFmedical GANs 2025, Tables 3-5), keyed by our method names.

The terminal table and the HTML report print them beside this project's figures. Table 3 is the paper's
subtask-1 run 1696 (its Siamese); Table 4 holds validation accuracy on the training data (feature
clustering and SVM); Table 5 holds test figures of subtask 2.
"""

from __future__ import annotations

from typing import Any

TABLE3 = {"siamese": {"kappa": 0.0360, "accuracy": 0.5180, "precision": 0.5162, "recall": 0.5720, "f1": 0.5426}}
"""Subtask 1, test (500 reals, 250 used): the paper's best run (1696)."""

TABLE4 = {
    "mobilenet_v2 + k-means": 0.2019, "mobilenet_v2 + hierarchical clustering": 0.1952, "mobilenet_v2 + SVM": 0.4111,
    "resnet50 + k-means": 0.1970, "resnet50 + hierarchical clustering": 0.2003, "resnet50 + SVM": 0.5259,
    "efficientnet_b0 + k-means": 0.2072, "efficientnet_b0 + hierarchical clustering": 0.2062, "efficientnet_b0 + SVM": 0.1986,
    "densenet121 + k-means": 0.1916, "densenet121 + hierarchical clustering": 0.2376, "densenet121 + SVM": 0.4955,
}
"""Subtask 2, validation accuracy on a held-out part of the training data."""

TABLE5 = {
    "Siamese network": {"accuracy": 0.9904, "precision": 0.9904, "recall": 0.9904, "f1": 0.9904, "specificity": 0.9972},
    "densenet121 + SVM": {"accuracy": 0.4904, "precision": 0.5691, "recall": 0.4904, "f1": 0.4832, "specificity": 0.8752},
    "efficientnet_b0 + SVM": {"accuracy": 0.4912, "precision": 0.5821, "recall": 0.4912, "f1": 0.4934, "specificity": 0.8743},
    "resnet50 + SVM": {"accuracy": 0.5236, "precision": 0.5981, "recall": 0.5236, "f1": 0.5326, "specificity": 0.8798},
    "mobilenet_v2 + SVM": {"accuracy": 0.4111, "precision": 0.4644, "recall": 0.4111, "f1": 0.3945, "specificity": 0.8547},
}
"""Subtask 2, test; precision, recall and F1 weighted by class support, specificity averaged over classes."""


def paper_test_figures(subtask: int, method: str) -> dict[str, Any] | None:
    """The paper's test figures of ``method`` (Table 3 or 5), or None when the paper does not report it."""
    return (TABLE3 if subtask == 1 else TABLE5 if subtask == 2 else {}).get(method)


def paper_headline(subtask: int, method: str) -> str:
    """The paper's main test figure as the terminal shows it (``κ 0.036 (Table 3)``), or ``""``."""
    figures = paper_test_figures(subtask, method)
    if figures is None:
        return ""
    return f"κ {figures['kappa']:.3f} (Table 3)" if subtask == 1 else f"{figures['accuracy']:.4f} (Table 5)"
