"""The subtask-2 classifier registry: names in the paper's order, options from the builder, one name per builder."""

import pytest

from gans_fingerprints.attribution import registry
from gans_fingerprints.errors import UserInputError


def test_the_registry_holds_the_paper_classifiers_first_with_their_options():
    classifiers = registry.registered_classifiers()
    assert list(classifiers)[:3] == ["kmeans", "hierarchical", "svm"]
    assert [classifiers[n].title for n in ("kmeans", "hierarchical", "svm")] == ["k-means", "hierarchical clustering", "SVM"]
    assert classifiers["kmeans"].options() == [] and classifiers["svm"].options() == ["kernel", "C", "solver"]
    assert classifiers["svm"].estimator(0, {"C": 0.5}).C == 0.5
    assert type(classifiers["svm"].estimator(0, {"solver": "liblinear"})).__name__ == "LinearSVC"
    from gans_fingerprints.errors import UserInputError

    with pytest.raises(UserInputError, match=r"svm\.solver must be one of \['libsvm', 'liblinear'\], not 'lbfgs'"):
        classifiers["svm"].estimator(0, {"solver": "lbfgs"})
    with pytest.raises(UserInputError, match="liblinear is linear only, not kernel 'rbf'"):
        classifiers["svm"].estimator(0, {"solver": "liblinear", "kernel": "rbf"})


def test_a_second_builder_under_a_registered_name_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "CLASSIFIERS", dict(registry.registered_classifiers()))  # restored after the test
    with pytest.raises(ValueError, match="'svm' is registered twice"):
        registry.register_classifier("svm", title="other")(lambda *_: None)


def test_classifier_blocks_name_a_registered_classifier_and_only_its_options():
    registry.check_classifier_options(None)
    registry.check_classifier_options({"kmeans": None, "svm": {"C": 2.0}})
    with pytest.raises(UserInputError, match=r"classifiers\.forest names no registered classifier; the classifiers are \["):
        registry.check_classifier_options({"forest": {}})
    with pytest.raises(UserInputError, match=r"classifiers\.kmeans has unknown option\(s\) \['k'\]; kmeans takes no options"):
        registry.check_classifier_options({"kmeans": {"k": 5}})
