import numpy as np

from gans_fingerprints.distances import nearest_centroid
from gans_fingerprints.evaluation.clustering import (
    AgglomerativeAttribution,
    KMeansAttribution,
    fit_agglomerative,
    fit_kmeans,
    map_clusters_to_labels,
)


def test_cluster_mapping_undoes_a_known_permutation():
    labels = np.array(["t1"] * 5 + ["t2"] * 5 + ["t3"] * 5)
    permutation = {"t1": 2, "t2": 0, "t3": 1}
    clusters = np.array([permutation[label] for label in labels])
    clusters[0] = 0  # one stray image does not change the mapping
    mapping = map_clusters_to_labels(clusters, labels, ["t1", "t2", "t3"])
    assert mapping == {2: "t1", 0: "t2", 1: "t3"}
    raw_id_accuracy = np.mean(clusters == np.array([int(label[1]) - 1 for label in labels]))
    mapped_accuracy = np.mean(np.array([mapping[c] for c in clusters]) == labels)
    assert raw_id_accuracy < 0.1 and mapped_accuracy == 14 / 15, "raw ids measure nothing; the mapping fixes it"


def test_clusterers_find_well_separated_groups():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]], dtype=float)
    points = np.concatenate([c + rng.normal(0, 0.5, (20, 2)) for c in centres])
    labels = np.repeat(["a", "b", "c"], 20)
    for found in (fit_kmeans(points, 3, seed=0), fit_agglomerative(points, 3, "ward", max_samples=40, seed=0)):
        clusters = nearest_centroid(points, found)[0]
        mapping = map_clusters_to_labels(clusters, labels, ["a", "b", "c"])
        assert np.mean(np.array([mapping[c] for c in clusters]) == labels) == 1.0


def test_clusterers_are_scikit_learn_classifiers_that_name_clusters_after_subsets():
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    centres = {"t10": [0, 0], "t2": [10, 0], "t1": [0, 10]}
    labels = np.repeat(list(centres), 15)
    points = np.concatenate([np.array(c) + rng.normal(0, 0.5, (15, 2)) for c in centres.values()])
    for estimator in (KMeansAttribution(random_state=0), AgglomerativeAttribution(max_samples=30, random_state=0)):
        fitted = make_pipeline(StandardScaler(), clone(estimator)).fit(points, labels)
        assert list(fitted.classes_) == ["t1", "t2", "t10"], "subsets in natural order"
        assert (fitted.predict(points) == labels).all()
        assert fitted.score(points, labels) == 1.0
        new = np.array([[0.2, 9.5], [9.7, 0.3]])
        assert fitted.predict(new).tolist() == ["t1", "t2"]
