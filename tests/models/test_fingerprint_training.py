"""The fingerprint classifier learns a generator's trace, not content; it calibrates and it knows an outsider."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter
from scipy.special import softmax

from gans_fingerprints.evaluation.open_set import LayerMahalanobis, unknown_threshold
from gans_fingerprints.models.fingerprint_inputs import fit_standardisation, raw_channels
from gans_fingerprints.models.fingerprint_training import (
    FingerprintConfig,
    LabelledImages,
    class_scores,
    fit_combination,
    fit_temperature,
    layer_outputs,
    network_outputs,
    train_fingerprint,
)

SIZE = 32
TINY = {"filters": (8, 16), "grid": 2, "embedding_dim": 16, "dropout": 0.0, "batch_size": 16, "inference_batch_size": 32}


def _content(count: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random "anatomy", the same distribution for every generator."""
    smooth = gaussian_filter(rng.normal(size=(count, SIZE, SIZE)), sigma=(0, 3, 3))
    return 128 + 30 * smooth / (1 / (2 * np.sqrt(np.pi) * 3))  # deviation 30 grey levels: almost never clipped


def _artifact(kind: str) -> np.ndarray:
    """A faint periodic pattern (a few grey levels) of the kind up-sampling layers leave."""
    rows, cols = np.indices((SIZE, SIZE))
    patterns = {"none": np.zeros((SIZE, SIZE)), "checker": ((rows + cols) % 2) * 2 - 1.0,
                "columns": (cols % 4 < 2) * 2 - 1.0, "rows": (rows % 4 < 2) * 2 - 1.0}
    return 4 * patterns[kind]


def _generator(kind: str, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` images of one constructed generator: shared content plus its artifact (``grain``: fresh noise of
    the same few grey levels in every image, where the others repeat one pattern)."""
    trace = rng.normal(scale=4, size=(count, SIZE, SIZE)) if kind == "grain" else _artifact(kind)
    return np.clip(_content(count, rng) + trace, 0, 255).round().astype(np.uint8)


def _dataset(kinds: list[str], count: int, seed: int) -> LabelledImages:
    rng = np.random.default_rng(seed)
    return LabelledImages(np.concatenate([_generator(kind, count, rng) for kind in kinds]), np.repeat(np.arange(len(kinds)), count))


def test_two_generators_that_differ_only_in_a_spectral_artifact_are_told_apart():
    kinds = ["none", "checker"]
    config = FingerprintConfig(**TINY, epochs=6, min_steps=60, patience=3, seed=0)
    device = torch.device("cpu")
    model, scaling, history = train_fingerprint(_dataset(kinds, 48, 1), _dataset(kinds, 10, 2), 2, config, device)
    test = _dataset(kinds, 40, 3)
    logits, _ = network_outputs(model, test.images, config, scaling, device)
    assert (logits.argmax(1) == test.labels).mean() >= 0.95
    kept = history[history["kept"]]
    assert len(kept) == 1 and kept["validation_loss"].iloc[0] == history["validation_loss"].min(), "the best held-out epoch is kept"


def test_flip_averaged_logits_are_those_of_the_mirror_image_too():
    """The mean of both views gives an image and its mirror image the same logits; one view alone does not."""
    images = _dataset(["none", "checker"], 6, 5).images
    mirrored = np.ascontiguousarray(images[:, :, ::-1])
    device = torch.device("cpu")
    torch.manual_seed(0)
    config = FingerprintConfig(**TINY, seed=0)
    model = config.network(2).eval()
    scaling = fit_standardisation(raw_channels(images, config.inputs))
    one_view = replace(config, flip_average=False)
    plain, plain_mirrored = (network_outputs(model, x, one_view, scaling, device)[0] for x in (images, mirrored))
    both, both_mirrored = (network_outputs(model, x, config, scaling, device)[0] for x in (images, mirrored))
    assert not np.allclose(plain, plain_mirrored, atol=1e-4), "an untrained network is not symmetric"
    np.testing.assert_allclose(both, both_mirrored, atol=1e-5)
    np.testing.assert_allclose(both, (plain + plain_mirrored) / 2, atol=1e-5)
    for alone, with_logits in zip(layer_outputs(model, images, config, scaling, device),
                                  network_outputs(model, images, config, scaling, device)[1], strict=True):
        np.testing.assert_array_equal(alone, with_logits)  # the layer features are the image's own either way


def test_an_outsider_generator_is_beyond_the_open_set_threshold():
    known = ["checker", "columns", "rows"]  # each generator has its own trace, as the release's do
    config = FingerprintConfig(**TINY, epochs=10, min_steps=240, patience=3, seed=0)
    device = torch.device("cpu")
    train, held_out = _dataset(known, 48, 1), _dataset(known, 12, 2)
    model, scaling, _ = train_fingerprint(train, held_out, 3, config, device)
    _, train_layers = network_outputs(model, train.images, config, scaling, device)
    assert [layer.shape[1] for layer in train_layers] == [8, 16, 16], "each block's channel means, then the embedding"
    score = LayerMahalanobis.fit(train_layers, train.labels, 3)
    threshold = unknown_threshold(score.score(network_outputs(model, held_out.images, config, scaling, device)[1]), 0.98)
    known_scores = score.score(network_outputs(model, _dataset(known, 20, 3).images, config, scaling, device)[1])
    outsider_scores = score.score(network_outputs(model, _dataset(["grain"], 40, 4).images, config, scaling, device)[1])
    assert (outsider_scores > threshold).mean() >= 0.9
    assert (known_scores <= threshold).mean() >= 0.9


def test_the_combination_weighs_whichever_evidence_predicts_the_held_out_labels():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, size=200)
    near = np.where(np.eye(5, dtype=bool)[labels], 0.0, 4.0) + rng.normal(scale=1.0, size=(200, 5))  # small at the true class
    noise = rng.normal(scale=3.0, size=(200, 5))
    a, b = fit_combination(noise, near, labels)  # the logits say nothing, the distances say much
    assert b > 1.0 > a, "the distances carry the weight"
    assert (class_scores(noise, near, (a, b)).argmax(1) == labels).mean() >= 0.9
    a, b = fit_combination(-near, noise, labels)  # the reverse: informative logits, distances of noise
    assert a > 1.0 > b
    assert (class_scores(-near, noise, (a, b)).argmax(1) == labels).mean() >= 0.9
    assert fit_combination(noise[:0], noise[:0], labels[:0]) == (1.0, 1.0), "no held-out images: nothing to fit"
    np.testing.assert_allclose(class_scores(noise, None, (2.0, 5.0)), 2.0 * noise)


def test_temperature_recovers_the_one_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(4000, 5))
    labels = np.array([rng.choice(5, p=p) for p in softmax(logits / 2.0, axis=1)])
    assert fit_temperature(logits, labels) == pytest.approx(2.0, rel=0.1)
    right = logits.argmax(1)
    assert fit_temperature(logits, right) == 1.0, "all held-out images right: no temperature can be read from them"
    assert fit_temperature(logits[:0], labels[:0]) == 1.0


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="inputs must be"):
        FingerprintConfig(inputs=("fft",))
    with pytest.raises(ValueError, match="batch_size >= 2"):
        FingerprintConfig(batch_size=1)
