"""The generator-family registry: a toy family joins a benchmark build by registering itself."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from gans_fingerprints.benchmark.build import build
from gans_fingerprints.benchmark.settings import generator_settings
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.generators import registry

TINY_COUNTS = {"subtask1": {"train_used": 3, "train_not_used": 3, "train_generated": 4, "test_used": 2, "test_not_used": 2,
                            "test_generated": 4},
               "subtask2": {"real_per_subset": 3, "generated_per_subset": 2, "test_per_subset": 2}}


@pytest.fixture
def toy_family(monkeypatch):
    """A family that memorises: its 'weights' are its training images, and it samples them back."""
    monkeypatch.setattr(registry, "FAMILIES", dict(registry.registered_families()))

    @dataclasses.dataclass(frozen=True)
    class CopyConfig:
        image_size: int = 32
        noise: float = 0.0

    @registry.register_family("toy_copy")
    class ToyCopy:
        Config = CopyConfig

        @staticmethod
        def train(images, config, device, seed, name):  # noqa: ARG004 - the family interface
            return {"images": images.copy()}, pd.DataFrame({"step": [1], "copies": [len(images)]})

        @staticmethod
        def sample(state, config, count, device, seed):  # noqa: ARG004 - the family interface
            rng = np.random.default_rng(seed)
            return state["images"][rng.integers(0, len(state["images"]), count)]

    return ToyCopy


def test_a_registered_family_makes_a_subtasks_generated_images(toy_family):
    profile = {"image_size": 32, "generators": {"subtask1": {"family": "toy_copy", "noise": 0.0},
                                                "subtask2": {"family": "dcgan", "latent_dim": 8, "base_channels": 4, "batch_size": 3,
                                                             "steps": 2}}}
    settings = {"profile": "t", "seed": 1, "cohort_shift": 0.5, "subsets": ["t1", "t2"], "image_size": 32, **TINY_COUNTS,
                "generators": generator_settings("t", profile)}
    release = build(settings, "cpu")
    used = release.images["subtask1/train/real_used"][1]
    generated = release.images["subtask1/train/generated"][1]
    assert all(any(np.array_equal(g, u) for u in used) for g in generated), "the toy family's samples are its training images"
    states = release.generator_states
    assert states["subtask1_train"]["family"] == "toy_copy" and states["t1"]["family"] == "dcgan"
    history = pd.DataFrame(release.provenance["history"])
    assert set(history.loc[history["family"] == "toy_copy", "generator"]) == {"subtask1_train", "subtask1_test"}
    assert {"copies", "d_loss"} <= set(history.columns)


def test_family_settings_are_checked_in_one_line(toy_family):
    with pytest.raises(UserInputError, match=r"generators\.subtask2\.family names no registered generator family 'gan'"):
        generator_settings("demo", {"image_size": 32, "generators": {"subtask1": {"family": "dcgan"}, "subtask2": {"family": "gan"}}})
    with pytest.raises(UserInputError, match=r"generators\.subtask2\.family is missing"):
        generator_settings("demo", {"image_size": 32, "generators": {"subtask1": {"family": "toy_copy"}}})
    with pytest.raises(UserInputError, match=r"profiles\.demo\.gan is now benchmark\.profiles\.demo\.generators\.<subtask>"):
        generator_settings("demo", {"gan": {"steps": 3}})
    unknown = r"generators\.subtask1 has unknown setting\(s\) \['nois'\]; the toy_copy family takes \['noise'\]"
    with pytest.raises(UserInputError, match=unknown):
        generator_settings("demo", {"image_size": 32, "generators": {"subtask1": {"family": "toy_copy", "nois": 1},
                                                                    "subtask2": {"family": "toy_copy"}}})
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_family("toy_copy")(type("Other", (), {}))
