"""subtask2_features' nodes: retired parameters and unknown classifier options are refused, not ignored."""

from __future__ import annotations

import pandas as pd
import pytest


def test_the_retired_backbones_parameter_is_refused_not_ignored():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask2_features.nodes import extract_backbone_features

    with pytest.raises(UserInputError, match=r"--namespaces subtask2_features\.resnet50"):
        extract_backbone_features(pd.DataFrame(), None, pd.DataFrame(), None, {"backbones": ["resnet50"]}, backbone="resnet50")


def test_retired_classifier_keys_and_unknown_options_are_refused():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask2_features.nodes import check_feature_parameters

    with pytest.raises(UserInputError, match=r"subtask2_features\.svm is now subtask2_features\.classifiers\.svm"):
        check_feature_parameters({"svm": {"C": 1.0}})
    expected = r"classifiers\.svm has unknown option\(s\) \['gamma'\]; svm takes \['kernel', 'C', 'solver'\]"
    with pytest.raises(UserInputError, match=expected):
        check_feature_parameters({"classifiers": {"svm": {"gamma": 1}}})
    with pytest.raises(UserInputError, match="names no registered classifier"):
        check_feature_parameters({"classifiers": {"random_forest": {}}})


def test_a_summary_of_metrics_saved_before_per_classifier_roles_asks_for_a_rerun():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask2_features.nodes import summarise_feature_methods

    old = {"backbone": "resnet50", "features": 2048, "methods": {}}
    with pytest.raises(UserInputError, match=r"run `kedro run --namespaces subtask2_features\.resnet50` again"):
        summarise_feature_methods(resnet50__validation_metrics=old, resnet50__test_metrics={"methods": {}},
                                  resnet50__extraction={"weights": "none"})
