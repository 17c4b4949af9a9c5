"""A build's steps without training: seeded real patients, the release layout and its ground truth, generator keys."""

import copy

import numpy as np

from gans_fingerprints.benchmark.build import assemble, generator_key, measure_quality, quality_sets, simulate_real_images

SETTINGS = {
    "profile": "t", "seed": 1, "cohort_shift": 0.5, "subsets": ["t1", "t2"], "image_size": 32, "version": 1,
    "subtask1": {"train_used": 2, "train_not_used": 2, "train_generated": 3, "test_used": 2, "test_not_used": 1, "test_generated": 2},
    "subtask2": {"real_per_subset": 2, "generated_per_subset": 2, "test_per_subset": 1},
    "generators": {"subtask1": {"family": "ddpm", "settings": {"steps": 3, "sample_steps": 2, "log_every": 1}},
                   "subtask2": {"family": "dcgan", "settings": {"steps": 2}}},
}


def changed(path: str, value) -> dict:
    settings = copy.deepcopy(SETTINGS)
    *keys, last = path.split(".")
    target = settings
    for key in keys:
        target = target[key]
    target[last] = value
    return settings


def test_real_images_depend_only_on_the_seed_and_what_they_are_for():
    real = simulate_real_images(SETTINGS)
    assert {k: len(v) for k, v in real.stacks.items()} == {
        "subtask1_train_used": 2, "subtask1_train_not_used": 2, "subtask1_test_used": 2, "subtask1_test_not_used": 1, "t1": 2, "t2": 2}
    assert set(real.cohorts) == {"subtask1", "t1", "t2"}
    again, more_tests = simulate_real_images(SETTINGS), simulate_real_images(changed("subtask1.test_used", 3))
    assert np.array_equal(real.stacks["t2"], again.stacks["t2"])
    assert np.array_equal(real.stacks["subtask1_train_used"], more_tests.stacks["subtask1_train_used"]), "other counts change nothing"
    assert not np.array_equal(real.stacks["t1"], simulate_real_images(changed("seed", 2)).stacks["t1"])


def test_the_release_labels_each_test_image_with_where_it_came_from():
    real = simulate_real_images(SETTINGS)
    generated = {"subtask1_train": np.full((3, 32, 32), 1, np.uint8), "subtask1_test": np.full((2, 32, 32), 2, np.uint8),
                 "t1": np.full((3, 32, 32), 10, np.uint8), "t2": np.full((3, 32, 32), 20, np.uint8)}
    release = assemble(SETTINGS, real, generated)
    assert release.counts()["subtask2/train/generated/gen_t1"] == 2 and release.counts()["subtask1/test/real_unknown"] == 3
    ids, stack = release.images["subtask2/test/generated_unknown"]
    truth = release.ground_truth["subtask2_test.csv"].set_index("image_id")["subset"]
    assert ids == ["00001", "00002"] and {truth[i]: int(image[0, 0]) for i, image in zip(ids, stack, strict=True)} == {"t1": 10, "t2": 20}
    ids, stack = release.images["subtask1/test/real_unknown"]
    labels = release.ground_truth["subtask1_test.csv"].set_index("image_id")["label"]
    used = {image.tobytes() for image in real.stacks["subtask1_test_used"]}
    assert [labels[i] for i in ids] == [int(image.tobytes() in used) for image in stack]


def test_the_open_set_check_adds_an_outsider_generators_images_labelled_unknown():
    from gans_fingerprints.benchmark.build import OPEN_SET_OUTSIDER, sample_generated_images, train_generators

    settings = {**SETTINGS, "open_set_images": 3}
    real = simulate_real_images(settings)
    states, _, _ = train_generators(settings, real, "cpu")
    generated, _ = sample_generated_images(settings, states, "cpu")
    closed, _ = sample_generated_images(SETTINGS, states, "cpu")
    assert len(generated[OPEN_SET_OUTSIDER]) == 3 and OPEN_SET_OUTSIDER not in closed
    assert all(np.array_equal(generated[name], closed[name]) for name in closed), "the other generators' images do not change"
    release = assemble(settings, real, generated)
    ids, stack = release.images["subtask2/test/generated_unknown"]
    truth = release.ground_truth["subtask2_test.csv"].set_index("image_id")["subset"]
    assert len(ids) == 5 and (truth == "unknown").sum() == 3
    outsiders = {image.tobytes() for image in generated[OPEN_SET_OUTSIDER]}
    assert {i for i, image in zip(ids, stack, strict=True) if image.tobytes() in outsiders} == set(truth.index[truth == "unknown"])


def test_a_generator_key_holds_what_its_weights_depend_on_and_nothing_else():
    keys = {name: generator_key(SETTINGS, name) for name in ("subtask1_train", "subtask1_test", "t1", "t2")}
    assert len({str(key) for key in keys.values()}) == 4, "every generator has its own key"
    assert keys["t2"]["subset_index"] == 1 and keys["t2"]["cohort_shift"] == 0.5 and keys["subtask1_test"]["training_images"] == 2
    assert keys["subtask1_train"]["generator_settings"] == {"family": "ddpm", "settings": {"steps": 3}}
    assert generator_key(changed("generators.subtask1.settings.sample_steps", 9), "subtask1_train") == keys["subtask1_train"]
    assert generator_key(changed("subtask1.train_used", 5), "subtask1_train") != keys["subtask1_train"]
    assert generator_key(changed("subtask1.train_used", 5), "t1") == keys["t1"]


def test_quality_is_measured_in_pixels_and_in_the_named_feature_space():
    """Generators that return their own training reals: recall 1 and every image a near copy, in both spaces."""
    settings = changed("subtask1.train_used", 6)
    settings["subtask1"].update(train_not_used=6, test_used=6, test_not_used=6)
    settings["subtask2"].update(real_per_subset=6, held_out_per_subset=6)
    settings["quality_features"] = {"backbone": "mobilenet_v2", "weights": "none"}
    real = simulate_real_images(settings)
    copies = {name: train for name, (train, _) in quality_sets(settings, real).items()}
    quality = measure_quality(settings, real, copies)
    assert set(quality) == {"subtask1_train", "subtask1_test", "t1", "t2"}
    for scores in quality.values():
        features = scores["features"]
        assert features["space"] == "mobilenet_v2 (random weights)"
        assert scores["recall"] == 1.0 and features["recall"] == 1.0
        assert scores["near_copy_share"] == 1.0 and features["near_copy_share"] == 1.0
    assert "features" not in measure_quality({k: v for k, v in settings.items() if k != "quality_features"}, real, copies)["t1"]
