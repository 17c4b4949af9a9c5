"""Shared figures: a confusion matrix shows its counts; a PCA projection marks real and generated per label."""

import numpy as np

from gans_fingerprints.evaluation.figures import confusion_figure, pca_figure


def test_the_confusion_figure_shows_each_count_under_its_labels():
    figure = confusion_figure([[3, 1], [0, 4]], ["t1", "t2"], "toy")
    axis = figure.axes[0]
    assert axis.get_title() == "toy" and (axis.get_xlabel(), axis.get_ylabel()) == ("predicted", "true")
    assert [t.get_text() for t in axis.get_xticklabels()] == ["t1", "t2"]
    assert sorted(t.get_text() for t in axis.texts) == ["0", "1", "3", "4"]


def test_the_pca_figure_has_a_legend_entry_per_label_and_kind_and_labels_the_centres():
    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 1, (6, 5)), rng.normal(5, 1, (6, 5))])
    labels = ["a"] * 6 + ["b"] * 6
    is_real = [True, False] * 3 + [True] * 6
    axis = pca_figure(features, labels, is_real, "toy", centre_label_prefix="Cluster").axes[0]
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["a (real)", "a (generated)", "b (real)"]
    assert sorted(t.get_text() for t in axis.texts) == ["Cluster a", "Cluster b"]
    assert not pca_figure(features, labels, is_real, "toy").axes[0].texts, "no centre labels unless asked"
