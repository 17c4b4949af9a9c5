"""The trace channels: what they keep and what they drop."""

from __future__ import annotations

import numpy as np
import pytest

from gans_fingerprints.models.fingerprint_inputs import (
    fit_standardisation,
    high_pass_residual,
    log_dct_spectrum,
    raw_channels,
)


def test_a_flip_keeps_the_dct_magnitudes_and_mirrors_the_residual():
    images = np.random.default_rng(0).integers(0, 256, (3, 16, 16)).astype(np.uint8)
    flipped = images[:, :, ::-1]
    np.testing.assert_allclose(log_dct_spectrum(flipped / 255.0), log_dct_spectrum(images / 255.0), atol=1e-5)
    np.testing.assert_allclose(high_pass_residual(flipped / 255.0), high_pass_residual(images / 255.0)[:, :, ::-1], atol=1e-6)


def test_the_residual_drops_smooth_content_and_keeps_a_checkerboard():
    ramp = np.tile(np.linspace(0, 1, 16, dtype=np.float32), (16, 1))[None]
    checker = 0.02 * (np.indices((16, 16)).sum(0) % 2 * 2 - 1)[None]
    assert np.abs(high_pass_residual(ramp))[:, 2:-2, 2:-2].max() < 1e-3
    assert np.abs(high_pass_residual(ramp + checker)).mean() > 0.01


def test_channels_stack_in_the_order_asked_and_standardise_to_unit_scale():
    images = np.random.default_rng(1).integers(0, 256, (20, 8, 8)).astype(np.uint8)
    channels = raw_channels(images, ["dct", "residual"])
    assert channels.shape == (20, 2, 8, 8)
    np.testing.assert_allclose(channels[:, 0], log_dct_spectrum(images / 255.0), atol=1e-5)
    scaled = fit_standardisation(channels).apply(channels)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="distinct names"):
        raw_channels(images, ["dct", "dct"])
