"""A benchmark profile resolved into build settings: typed, with its generator families checked."""

import pytest

from gans_fingerprints.benchmark.settings import BENCHMARK_VERSION, resolve_settings
from gans_fingerprints.errors import UserInputError

COUNTS = {"subtask1": {"train_used": 2}, "subtask2": {"real_per_subset": 2}}
PARAMS = {"profile": "tiny", "seed": "3", "cohort_shift": 1, "subsets": ["t1", 2], "profiles": {
    "tiny": {"image_size": "32", **COUNTS, "generators": {"subtask1": {"family": "dcgan", "steps": 2}, "subtask2": {"family": "ddpm"}}},
    "demo": {}}}


def test_the_chosen_profile_becomes_typed_settings_with_a_family_per_subtask():
    settings = resolve_settings(PARAMS)
    assert (settings["profile"], settings["seed"], settings["cohort_shift"], settings["image_size"]) == ("tiny", 3, 1.0, 32)
    assert settings["subsets"] == ["t1", "2"] and settings["version"] == BENCHMARK_VERSION
    assert settings["generators"] == {"subtask1": {"family": "dcgan", "settings": {"steps": 2}},
                                      "subtask2": {"family": "ddpm", "settings": {}}}
    assert settings["subtask1"] == COUNTS["subtask1"] and settings["subtask1"] is not COUNTS["subtask1"], "a copy"


def test_an_unknown_profile_is_refused_naming_the_choices():
    with pytest.raises(UserInputError, match=r"Unknown benchmark profile 'huge'; choose one of \['demo', 'tiny'\]"):
        resolve_settings({**PARAMS, "profile": "huge"})


def test_a_profile_that_fixes_its_cohort_shift_keeps_it():
    fixed = {**PARAMS["profiles"]["tiny"], "cohort_shift": 0}
    settings = resolve_settings({**PARAMS, "profiles": {"tiny": fixed}})
    assert settings["cohort_shift"] == 0.0, "the profile's own value wins over benchmark.cohort_shift (1 here)"


def test_the_quality_feature_space_is_checked_with_the_settings():
    assert resolve_settings({**PARAMS, "quality_features": {"backbone": "mobilenet_v2", "weights": "none"}})["quality_features"] == {
        "backbone": "mobilenet_v2", "weights": "none"}
    assert "quality_features" not in resolve_settings(PARAMS)
    for bad in ("mobilenet_v2", {"backbone": "mobilenet_v2"}, {"backbone": "mobilenet_v2", "weights": "imagenet1k"}):
        with pytest.raises(UserInputError, match=r"benchmark\.quality_features must be \{backbone: .*, weights: imagenet\|none\}"):
            resolve_settings({**PARAMS, "quality_features": bad})


def test_the_open_set_check_is_a_count_absent_from_the_settings_when_off():
    assert "open_set_images" not in resolve_settings({**PARAMS, "open_set_images": 0}), "earlier builds keep matching"
    assert resolve_settings({**PARAMS, "open_set_images": 40})["open_set_images"] == 40
    for bad in (-1, "many", True, 2.5):
        with pytest.raises(UserInputError, match=r"benchmark\.open_set_images must be a whole number"):
            resolve_settings({**PARAMS, "open_set_images": bad})
