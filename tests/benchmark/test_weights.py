"""Shipped generator weights: made by one command, loaded only for the settings that made them."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from gans_fingerprints.benchmark.build import build, generator_key
from gans_fingerprints.benchmark.settings import resolve_settings
from gans_fingerprints.benchmark.weights import check_weights, main, read_weights
from gans_fingerprints.datasets import GeneratorWeightsDataset
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.generators.registry import registered_families

DDPM = {"family": "ddpm", "base_channels": 8, "channel_multipliers": [1, 2], "batch_size": 4, "steps": 3, "timesteps": 50,
        "sample_steps": 3, "log_every": 1}
PARAMS = {
    "profile": "tiny", "seed": 3, "cohort_shift": 0.5, "subsets": ["t1", "t2"],
    "profiles": {"tiny": {
        "image_size": 32,
        "subtask1": {"train_used": 4, "train_not_used": 4, "train_generated": 4, "test_used": 3, "test_not_used": 3, "test_generated": 4},
        "subtask2": {"real_per_subset": 4, "generated_per_subset": 3, "test_per_subset": 2},
        "generators": {"subtask1": DDPM, "subtask2": {"family": "dcgan", "latent_dim": 8, "base_channels": 4, "batch_size": 4, "steps": 2}},
    }},
}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The tiny profile's weights, made by the documented command (both families train for real)."""
    root = tmp_path_factory.mktemp("weights")
    settings = resolve_settings(PARAMS)
    (root / "settings.json").write_text(json.dumps(settings))
    assert main(["--settings", str(root / "settings.json"), "--out", str(root / "tiny"), "--device", "cpu", "--measure"]) == 0
    return root, settings


def test_the_command_writes_half_precision_weights_and_their_provenance(shipped):
    root, settings = shipped
    provenance = json.loads((root / "tiny" / "provenance.json").read_text())
    assert set(provenance["generators"]) == {"subtask1_train", "subtask1_test", "t1", "t2"}
    assert provenance["generators"]["subtask1_train"]["family"] == "ddpm" and provenance["generators"]["t1"]["family"] == "dcgan"
    assert provenance["machine"]["device"] == "cpu" and provenance["command"].endswith("--measure")
    assert provenance["generators"]["t2"]["key"] == generator_key(settings, "t2")
    quality = json.loads((root / "tiny_quality.json").read_text())
    assert 0 <= quality["t1"]["recall"] <= 1 and "near_copy_share" in quality["subtask1_train"]
    loaded = GeneratorWeightsDataset(path=str(root)).load()
    state = loaded["tiny"]["states"]["subtask1_train"]["state"]
    assert all(v.dtype.is_floating_point is False or str(v.dtype) == "torch.float16" for v in state.values())


def test_a_build_samples_from_matching_weights(shipped):
    root, settings = shipped
    weights = check_weights(GeneratorWeightsDataset(path=str(root)).load()["tiny"], settings)
    release = build(settings, "cpu", weights)
    generated = release.images["subtask1/train/generated"][1]
    assert generated.shape == (4, 32, 32) and generated.dtype == np.uint8
    training = release.provenance["training"]
    assert training["device"] == "cpu" and training["shipped"]["weights"] == str(root / "tiny")
    assert not any(key.startswith("train_") for key in training), "no training seconds are claimed for this build"
    assert set(release.provenance["quality"]) == {"subtask1_train", "subtask1_test", "t1", "t2"}
    assert {row["generator"] for row in release.provenance["history"]} == {"subtask1_train", "subtask1_test", "t1", "t2"}


def test_weights_made_with_other_settings_are_refused_saying_what_differs(shipped):
    root, settings = shipped
    weights = GeneratorWeightsDataset(path=str(root)).load()["tiny"]
    other = {**settings, "seed": 4}
    with pytest.raises(UserInputError, match=r"were made with other settings \(seed differ.*make benchmark-weights PROFILE=tiny"):
        check_weights(weights, other)
    with pytest.raises(UserInputError, match="No shipped generator weights for the tiny profile"):
        check_weights(None, settings)
    more = {**settings, "subtask1": {**settings["subtask1"], "train_generated": 40}}
    assert check_weights(weights, more) is weights, "sampling more images needs no new weights"


def test_a_tampered_weight_file_is_refused(shipped, tmp_path):
    import shutil

    root, _ = shipped
    copy = tmp_path / "w"
    shutil.copytree(root / "tiny", copy / "tiny")
    with (copy / "tiny" / "t1.pt").open("ab") as handle:
        handle.write(b"x")
    shipped_weights = GeneratorWeightsDataset(path=str(copy)).load()
    assert list(shipped_weights) == ["tiny"], "listing the profiles reads no weight file"
    with pytest.raises(UserInputError, match=r"t1\.pt is missing or is not the file .*provenance\.json records"):
        shipped_weights["tiny"]


def test_retraining_reuses_generators_with_equal_settings(shipped, tmp_path, monkeypatch):
    root, settings = shipped
    changed = {**settings, "generators": {**settings["generators"],
                                          "subtask1": {**settings["generators"]["subtask1"], "settings": {**DDPM, "steps": 4}}}}
    changed["generators"]["subtask1"]["settings"].pop("family")
    (tmp_path / "s.json").write_text(json.dumps(changed))
    sibling = root / "tiny_again"  # another profile's folder beside tiny's
    main(["--settings", str(tmp_path / "s.json"), "--out", str(sibling), "--device", "cpu", "--reuse", str(root / "tiny")])
    made, before = (json.loads((p / "provenance.json").read_text())["generators"] for p in (sibling, root / "tiny"))
    assert made["t1"]["sha256"] == before["t1"]["sha256"], "an unchanged generator is reused"
    assert made["t1"]["file"] == "../tiny/t1.pt", "a sibling's file is pointed at, not copied"
    assert not (sibling / "t1.pt").exists() and (sibling / "subtask1_train.pt").is_file()
    assert made["subtask1_train"]["key"] != before["subtask1_train"]["key"]
    again = read_weights(sibling)["states"]
    original = read_weights(root / "tiny")["states"]["t1"]["state"]
    assert all(np.array_equal(again["t1"]["state"][key].numpy(), value.numpy()) for key, value in original.items())
    elsewhere = tmp_path / "elsewhere"  # not beside tiny's folder: a pointer would not travel with it, so copied
    main(["--settings", str(tmp_path / "s.json"), "--out", str(elsewhere), "--device", "cpu", "--reuse", str(root / "tiny")])
    copied = json.loads((elsewhere / "provenance.json").read_text())["generators"]["t1"]
    assert copied["file"] == "t1.pt" and (elsewhere / "t1.pt").is_file()
    both = tmp_path / "both"  # the subsets' generators from tiny's folder, subtask 1's (changed) from the second: nothing trains

    def no_training(*_args, **_kwargs):
        raise AssertionError("a generator with reusable weights was trained again")

    for generator_family in registered_families().values():
        monkeypatch.setattr(generator_family.implementation, "train", no_training)
    main(["--settings", str(tmp_path / "s.json"), "--out", str(both), "--device", "cpu", "--reuse", str(root / "tiny"), str(elsewhere)])
    merged = json.loads((both / "provenance.json").read_text())
    assert {name: entry["sha256"] for name, entry in merged["generators"].items()} == {
        name: entry["sha256"] for name, entry in json.loads((elsewhere / "provenance.json").read_text())["generators"].items()}
    shutil.rmtree(sibling)  # the module's shared folder holds tiny's weights only


def test_reuse_skips_a_folders_generators_whose_files_changed(shipped, tmp_path, monkeypatch, caplog):
    """A folder moved aside keeps pointers (``../tiny/t1.pt``) that may now find other files: those are skipped
    and logged, the rest reused; a build reading the same folder still refuses it."""
    import shutil

    root, settings = shipped
    (tmp_path / "s.json").write_text(json.dumps(settings))
    pointing = root / "tiny_pointing"
    try:
        main(["--settings", str(tmp_path / "s.json"), "--out", str(pointing), "--device", "cpu", "--reuse", str(root / "tiny")])
        moved = tmp_path / "aside" / "tiny_pointing"
        shutil.copytree(pointing, moved)
        shutil.copytree(root / "tiny", tmp_path / "aside" / "tiny")  # its ../tiny, where t1 is now another file
        shutil.copy(root / "tiny" / "t2.pt", tmp_path / "aside" / "tiny" / "t1.pt")
    finally:
        shutil.rmtree(pointing, ignore_errors=True)
    with pytest.raises(UserInputError, match=r"t1\.pt is missing or is not the file"):
        read_weights(moved)
    trained = []
    for generator_family in registered_families().values():
        def counted(images, config, device, seed, name, _train=generator_family.implementation.train):
            trained.append(name)
            return _train(images, config, device, seed=seed, name=name)

        monkeypatch.setattr(generator_family.implementation, "train", counted)
    with caplog.at_level("WARNING"):
        main(["--settings", str(tmp_path / "s.json"), "--out", str(tmp_path / "remade"), "--device", "cpu", "--reuse", str(moved)])
    assert [name.split()[-1] for name in trained] == ["t1"], "only the generator whose file changed trains again"
    assert "1 generator(s) not reusable" in caplog.text and "t1" in caplog.text


def test_sampling_only_settings_need_no_new_weights(shipped):
    root, settings = shipped
    weights = GeneratorWeightsDataset(path=str(root)).load()["tiny"]
    fewer_steps = json.loads(json.dumps(settings))
    fewer_steps["generators"]["subtask1"]["settings"]["sample_steps"] = 2
    assert check_weights(weights, fewer_steps) is weights
    longer = json.loads(json.dumps(settings))
    longer["generators"]["subtask1"]["settings"]["steps"] = 30
    with pytest.raises(UserInputError, match="generators differ"):
        check_weights(weights, longer)


def test_an_existing_weights_folder_is_never_overwritten(shipped):
    root, _ = shipped
    before = (root / "tiny" / "provenance.json").read_bytes()
    with pytest.raises(UserInputError, match=r"tiny already exists: weights are never overwritten"):
        main(["--settings", str(root / "settings.json"), "--out", str(root / "tiny"), "--device", "cpu"])
    assert (root / "tiny" / "provenance.json").read_bytes() == before
    assert not (root / "tiny.partial").exists()


def test_how_often_training_logs_needs_no_new_weights(shipped):
    root, settings = shipped
    weights = GeneratorWeightsDataset(path=str(root)).load()["tiny"]
    quieter = json.loads(json.dumps(settings))
    quieter["generators"]["subtask2"]["settings"]["log_every"] = 7
    assert check_weights(weights, quieter) is weights


def test_training_generators_in_parallel_gives_a_serial_runs_weights(shipped, tmp_path):
    import torch

    root, _ = shipped
    assert main(["--settings", str(root / "settings.json"), "--out", str(tmp_path / "parallel"), "--device", "cpu", "--jobs", "2"]) == 0
    serial, parallel = read_weights(root / "tiny"), read_weights(tmp_path / "parallel")
    assert list(parallel["states"]) == list(serial["states"]) == ["subtask1_train", "subtask1_test", "t1", "t2"]
    for name, entry in serial["states"].items():
        assert parallel["states"][name]["key"] == entry["key"]
        for key, value in entry["state"].items():
            torch.testing.assert_close(parallel["states"][name]["state"][key].float(), value.float(), atol=2e-3, rtol=1e-2)
