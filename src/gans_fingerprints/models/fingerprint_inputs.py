"""What a generator-fingerprint classifier looks at: the traces an image's generator leaves, not its content.

Two representations (numpy and scipy, no torch), stacked as input channels:

- ``residual``: the image minus a Gaussian-smoothed copy (σ = 1 px), the high-pass noise residual in which
  GAN fingerprints were found (Marra et al., MIPR 2019; Yu et al., ICCV 2019);
- ``dct``: the log-magnitude 2-D DCT-II spectrum (Frank et al., ICML 2020), where up-sampling leaves
  regular peaks; standardised per frequency by the training images' mean and deviation.

A horizontal flip changes neither the residual's statistics nor the DCT's magnitudes (reversing a row only
flips the sign of its odd coefficients), so it is the augmentation the classifier uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.fft import dctn
from scipy.ndimage import gaussian_filter

REPRESENTATIONS = ("residual", "dct")
LOG_FLOOR = 1e-4
"""Added to DCT magnitudes before the logarithm (pixels in [0, 1]); keeps exact zeros finite."""


def check_representations(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as a tuple, each one of :data:`REPRESENTATIONS`, none twice, at least one."""
    names = tuple(str(name) for name in names)
    unknown = sorted(set(names) - set(REPRESENTATIONS))
    if not names or unknown or len(set(names)) != len(names):
        raise ValueError(f"inputs must be a non-empty list of distinct names among {list(REPRESENTATIONS)}, got {list(names)}")
    return names


def high_pass_residual(images: np.ndarray) -> np.ndarray:
    """``images`` (n, h, w) in [0, 1] minus their Gaussian blur (σ = 1 px in each image, not across images)."""
    images = np.asarray(images, dtype=np.float32)
    return images - gaussian_filter(images, sigma=(0, 1, 1), mode="reflect")


def log_dct_spectrum(images: np.ndarray) -> np.ndarray:
    """Log-magnitude orthonormal 2-D DCT-II of every image of ``images`` (n, h, w) in [0, 1]."""
    spectrum = dctn(np.asarray(images, dtype=np.float32), type=2, axes=(1, 2), norm="ortho")
    return np.log(np.abs(spectrum) + LOG_FLOOR).astype(np.float32)


@dataclass(frozen=True)
class Standardisation:
    """Per-channel, per-pixel mean and deviation of the training images' representations."""

    mean: np.ndarray
    scale: np.ndarray

    def apply(self, channels: np.ndarray) -> np.ndarray:
        return ((channels - self.mean) / self.scale).astype(np.float32)


def raw_channels(images: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The representations ``names`` of uint8 ``images`` (n, h, w), as channels (n, len(names), h, w)."""
    unit = np.asarray(images, dtype=np.float32) / 255.0
    makers = {"residual": high_pass_residual, "dct": log_dct_spectrum}
    return np.stack([makers[name](unit) for name in check_representations(names)], axis=1)


def fit_standardisation(channels: np.ndarray) -> Standardisation:
    """Mean and deviation at every channel and pixel over the images of ``channels`` (n, c, h, w). The
    residual's mean is near 0 everywhere; the DCT's varies over frequencies by orders of magnitude, hence per pixel."""
    mean = channels.mean(axis=0, dtype=np.float64).astype(np.float32)
    scale = channels.std(axis=0, dtype=np.float64).astype(np.float32)
    return Standardisation(mean, np.where(scale > 1e-6, scale, 1.0).astype(np.float32))
