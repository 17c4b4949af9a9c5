"""The content link between a generated image and a subset: how close it comes to that subset's real training images.

A generator that memorised part of its training set emits near copies of those images (Carlini et al., USENIX
Security 2023; Somepalli et al., CVPR 2023), so the subset holding a generated image's nearest real is evidence
of which subset trained its generator, whatever traces the generator leaves. Images are compared blurred
(Gaussian, ``sigma`` px at the reduced size) and reduced to ``size`` px, where the mean squared difference is taken at the best of
every shift up to ``max_shift`` px (a near copy may sit a few pixels off). numpy and scipy only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.ndimage import gaussian_filter, zoom

SCALE_SAMPLE = 1000
"""At most this many reals set the distance unit (their median distance to the nearest other real)."""


@dataclass(frozen=True)
class NearestRealConfig:
    """How images are compared; every field is a parameter (``subtask2_fingerprint.content``)."""

    size: int = 32
    sigma: float = 1.0
    max_shift: int = 1
    batch_size: int = 256

    def __post_init__(self) -> None:
        if self.size < 4 or self.sigma < 0 or not 0 <= self.max_shift < self.size // 4 or self.batch_size < 1:
            raise ValueError(f"content needs size >= 4, sigma >= 0, 0 <= max_shift < size // 4 and batch_size >= 1, got size {self.size}, "
                             f"sigma {self.sigma}, max_shift {self.max_shift}, batch_size {self.batch_size}")

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def reduced(images: np.ndarray, config: NearestRealConfig) -> np.ndarray:
    """uint8 ``images`` (n, h, w) scaled to [0, 1], blurred by ``sigma`` px of the reduced size (``sigma * h / size`` px
    here, which also keeps the reduction from aliasing) and resized to ``size`` px (bilinear), float32."""
    unit = np.asarray(images, dtype=np.float32) / 255.0
    if config.sigma:
        blur = config.sigma * unit.shape[1] / config.size
        unit = gaussian_filter(unit, sigma=(0, blur, blur), mode="nearest")
    if unit.shape[1:] != (config.size, config.size):
        unit = zoom(unit, (1, config.size / unit.shape[1], config.size / unit.shape[2]), order=1, grid_mode=True, mode="nearest")
    return unit.astype(np.float32)


def shifted_distances(queries: np.ndarray, references: np.ndarray, max_shift: int) -> np.ndarray:
    """Mean squared difference (n_queries, n_references) of reduced images, the smallest over every shift of
    the query by up to ``max_shift`` px in each direction (the border of that width is left out of every comparison)."""
    s, (h, w) = max_shift, references.shape[1:]
    kept = references[:, s:h - s, s:w - s].reshape(len(references), -1).astype(np.float64)
    kept_norms = (kept**2).sum(axis=1)
    best = np.full((len(queries), len(references)), np.inf)
    for dy in range(-s, s + 1):
        for dx in range(-s, s + 1):
            window = queries[:, s + dy:h - s + dy, s + dx:w - s + dx].reshape(len(queries), -1).astype(np.float64)
            np.minimum(best, (window**2).sum(axis=1)[:, None] + kept_norms[None] - 2.0 * window @ kept.T, out=best)
    return np.maximum(best, 0.0) / kept.shape[1]


def nearest_real_distances(
    images: np.ndarray, reals: np.ndarray, real_labels: np.ndarray, n_classes: int, config: NearestRealConfig,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Each image's distance (n, n_classes) to the nearest real of each class, ``reals`` already :func:`reduced`;
    ``images`` (uint8, or its ``rows``) is read ``batch_size`` at a time, so a memory-mapped stack stays on disk."""
    rows = np.arange(len(images)) if rows is None else np.asarray(rows)
    labels = np.asarray(real_labels)
    missing = [k for k in range(n_classes) if not (labels == k).any()]
    if missing:
        raise ValueError(f"no real image of class {missing}: the nearest-real distance needs reals of every class")
    out = np.zeros((len(rows), n_classes))
    for start in range(0, len(rows), config.batch_size):
        chosen = rows[start:start + config.batch_size]
        distances = shifted_distances(reduced(np.asarray(images[chosen]), config), reals, config.max_shift)
        out[start:start + len(chosen)] = np.stack([distances[:, labels == k].min(axis=1) for k in range(n_classes)], axis=1)
    return out


def distance_unit(reals: np.ndarray, config: NearestRealConfig, seed: int = 0) -> float:
    """The median distance from a real to its nearest other real (at most :data:`SCALE_SAMPLE` of them, against
    all): the unit in which distances are combined, so a near copy is far below 1. 1.0 with fewer than two reals."""
    if len(reals) < 2:
        return 1.0
    chosen = np.sort(np.random.default_rng(seed).choice(len(reals), size=min(len(reals), SCALE_SAMPLE), replace=False))
    distances = shifted_distances(reals[chosen], reals, config.max_shift)
    distances[np.arange(len(chosen)), chosen] = np.inf
    unit = float(np.median(distances.min(axis=1)))
    return unit if unit > 0 else 1.0
