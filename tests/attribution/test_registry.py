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
    with pytest.raises(UserInputError, match=r"classifiers\.kmeans has unknown option\(s\) \['k'\]; kmeans takes only train_roles\."):
        registry.check_classifier_options({"kmeans": {"k": 5}})
    registry.check_classifier_options({"svm": {"train_roles": ["real"]}})
    with pytest.raises(UserInputError, match=r"classifiers\.svm\.train_roles must list some of \['real', 'generated'\], got \['fake'\]"):
        registry.check_classifier_options({"svm": {"train_roles": ["fake"]}})


def test_a_row_reproduces_the_paper_only_in_the_authors_configuration():
    classifiers = registry.registered_classifiers()
    svm, svm_generated = classifiers["svm"], classifiers["svm_generated"]
    assert svm.table({"kernel": "linear", "C": 1.0}, ["real"]) == "Tables 4-5"
    assert svm.table({}, ["real"]) == "Tables 4-5", "the builder's defaults are the authors'"
    assert svm.table({"kernel": "rbf"}, ["real"]) == "extension"
    assert svm.table({"solver": "liblinear"}, ["real"]) == "extension"
    assert svm.table({}, ["generated", "real"]) == "extension", "the authors trained on real features only"
    assert svm_generated.table({}, ["real"]) == "extension"
    options, roles = registry.split_options({"C": 2.0, "train_roles": ["generated"]}, ["real", "generated"])
    assert options == {"C": 2.0} and roles == ["generated"]
    assert registry.split_options(None, ["real"]) == ({}, ["real"])
