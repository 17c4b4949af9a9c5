"""Quality and memorisation of one generator's images, for the synthetic benchmark (numpy, scipy, scikit-learn).

* Fidelity and diversity: improved precision and recall (Kynkäänniemi et al., NeurIPS 2019), with the
  real-vs-real floor (two random halves of the reals), which is what a perfect generator would score.
* Memorisation: per generated image, the distance to its nearest training real over the distance to its
  nearest held-out real; under 1/3 it is a near copy (Carlini et al., USENIX Security 2023; Somepalli et al.,
  CVPR 2023). And the AUC of a distance-to-nearest-generated membership attack (members vs non-members).
* Frequency artefacts: radially averaged power spectra (Durall et al., CVPR 2020) and one number for how far
  the generated spectrum is from the real one.

Every metric works on vectors, so a learned feature space can replace pixels: ``quality_from_vectors`` takes
precomputed vectors, and ``generator_quality`` calls it with pixel vectors (``pixel_vectors``).

Nearest neighbours are searched with scikit-learn's brute-force ``NearestNeighbors``; the distances of the
neighbours it finds are then recomputed from the differences themselves (as ``distances.pairwise_distances``
does), because its dot-product formula leaves an exact copy about 1e-7 away instead of 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.imaging import resize_square

NEAR_COPY_RATIO = 1.0 / 3.0
"""Nearest-train / nearest-held-out distance under which a generated image counts as a near copy."""

RATIO_EPSILON = 1e-12
"""Floor of the held-out distance in a ratio: a generated image identical to a held-out real (distance 0)
gets ratio ``d_train / 1e-12`` (huge unless it is also identical to a training real, then 0: a copy)."""

POWER_FLOOR = 1e-12
"""Floor of a mean power before ``log10`` (a constant image stack has zero power at every frequency)."""

_CHUNK_ROWS = 1024  # rows of a distance matrix computed at once in the manifold test
_CHUNK_VALUES = 1 << 24  # float64 differences held at once when neighbour distances are recomputed (128 MiB)


def _as_vectors(values: np.ndarray, name: str) -> np.ndarray:
    """A non-empty float64 (n, d) matrix, or ValueError."""
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2 or len(matrix) == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array, got shape {matrix.shape}")
    return matrix


def _neighbour_distances(reference: np.ndarray, queries: np.ndarray | None, k: int) -> np.ndarray:
    """Exact distances (sorted, shape (n_queries, k)) to the ``k`` nearest ``reference`` vectors of each query.

    ``queries=None`` queries ``reference`` itself with each point excluded from its own neighbours
    (scikit-learn's convention; a duplicate of a point still counts, at distance 0).
    """
    search = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(reference)
    indices = search.kneighbors(queries, return_distance=False)
    points = reference if queries is None else queries
    exact = np.empty(indices.shape)
    rows = max(1, _CHUNK_VALUES // (k * reference.shape[1]))  # bounds the (rows, k, d) differences in memory
    for start in range(0, len(points), rows):
        stop = start + rows
        exact[start:stop] = np.linalg.norm(points[start:stop, None, :] - reference[indices[start:stop]], axis=-1)
    return np.sort(exact, axis=1)


def pixel_vectors(images: np.ndarray, size: int) -> np.ndarray:
    """A uint8 (n, h, w) stack as float32 (n, size * size) vectors in [0, 1], resized by ``imaging.resize_square``."""
    images = np.asarray(images)
    vectors = np.empty((len(images), size * size), dtype=np.float32)
    for row, image in enumerate(images):
        vectors[row] = resize_square(np.asarray(image, dtype=np.uint8), size).ravel() / np.float32(255.0)
    return vectors


def manifold_radii(vectors: np.ndarray, k: int = 3) -> np.ndarray:
    """Radius of every ball of a set's manifold (Kynkäänniemi et al. 2019): the distance to its k-th nearest
    neighbour in the set, itself excluded. ``k`` is clipped to ``n - 1``; a set of one point has radius 0."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    vectors = _as_vectors(vectors, "vectors")
    k = min(k, len(vectors) - 1)
    if k == 0:
        return np.zeros(len(vectors))
    return _neighbour_distances(vectors, None, k)[:, -1]


def inside_manifold(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Whether each point lies in the union of the balls (``centres``, ``radii``), boundary included."""
    points, centres = _as_vectors(points, "points"), _as_vectors(centres, "centres")
    inside = np.empty(len(points), dtype=bool)
    for start in range(0, len(points), _CHUNK_ROWS):
        chunk = points[start : start + _CHUNK_ROWS]
        inside[start : start + len(chunk)] = (pairwise_distances(chunk, centres) <= radii[None, :]).any(axis=1)
    return inside


def improved_precision_recall(real: np.ndarray, generated: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019).

    Each set's manifold is the union of balls around its points, of radius the distance to the point's k-th
    nearest neighbour in the set (``manifold_radii``). Precision: share of generated vectors inside the real
    manifold (fidelity). Recall: share of real vectors inside the generated manifold (diversity).
    """
    real, generated = _as_vectors(real, "real"), _as_vectors(generated, "generated")
    precision = inside_manifold(generated, real, manifold_radii(real, k)).mean()
    recall = inside_manifold(real, generated, manifold_radii(generated, k)).mean()
    return float(precision), float(recall)


def real_floor(real: np.ndarray, k: int = 3, seed: int = 0) -> tuple[float, float]:
    """Improved precision and recall of one random half of the reals (as "generated") against the other half
    (as "real"): what a generator drawing from the real distribution would score. Needs two reals."""
    real = _as_vectors(real, "real")
    if len(real) < 2:
        raise ValueError("the real-vs-real floor needs at least two real vectors")
    order = np.random.default_rng(seed).permutation(len(real))
    half = len(real) // 2
    return improved_precision_recall(real[order[:half]], real[order[half:]], k)


def nearest_distance_ratios(generated: np.ndarray, train_reals: np.ndarray, held_out_reals: np.ndarray) -> np.ndarray:
    """Per generated vector, distance to its nearest training real / distance to its nearest held-out real of
    the same population. Under 1/3 it is a near copy of a training image (Carlini et al. 2023; Somepalli et
    al. 2023). A held-out distance of 0 is floored at ``RATIO_EPSILON``."""
    generated = _as_vectors(generated, "generated")
    to_train = _neighbour_distances(_as_vectors(train_reals, "train_reals"), generated, 1)[:, 0]
    to_held_out = _neighbour_distances(_as_vectors(held_out_reals, "held_out_reals"), generated, 1)[:, 0]
    return to_train / np.maximum(to_held_out, RATIO_EPSILON)


def near_copy_share(ratios: np.ndarray, threshold: float = NEAR_COPY_RATIO) -> float:
    """Share of generated images whose nearest-distance ratio is under ``threshold`` (NaN for none)."""
    ratios = np.asarray(ratios, dtype=np.float64)
    return float((ratios < threshold).mean()) if len(ratios) else float("nan")


def membership_distance_auc(members: np.ndarray, non_members: np.ndarray, generated: np.ndarray) -> float:
    """ROC AUC of the attack "a real closer to its nearest generated image is a member" (the distance attack
    of GAN-Leaks, Chen et al., CCS 2020): score = minus the nearest-generated distance, label 1 = member.
    1 = every member is closer than every non-member; 0.5 = no leak."""
    generated = _as_vectors(generated, "generated")
    members, non_members = _as_vectors(members, "members"), _as_vectors(non_members, "non_members")
    scores = -_neighbour_distances(generated, np.concatenate([members, non_members]), 1)[:, 0]
    labels = np.concatenate([np.ones(len(members), dtype=int), np.zeros(len(non_members), dtype=int)])
    return float(roc_auc_score(labels, scores))


def radial_power_spectrum(images: np.ndarray, bins: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean radially averaged power spectrum of an (n, h, w) stack (Durall et al., CVPR 2020).

    uint8 images are scaled to [0, 1] (float images are taken as already there). Each image's mean is
    subtracted, its 2-D power ``|fftshift(fft2(x))|² / (h w)`` taken (white noise of variance σ² has flat
    power σ²), and the power averaged over images and then over the frequencies of each radius.
    Radius: the integer distance from the centre in pixels of the shorter side (``bins=None``, radii
    0 .. min(h, w) // 2), or with ``bins=B``, ``round(2 B f)`` for a radial frequency ``f`` in cycles per
    pixel (radii 0 .. B, equal steps of 1 / (2 B)). Frequencies beyond the
    last radius (the corners) are left out, as are radii with no frequency.

    Returns (normalised frequency in [0, 0.5], mean power per radius).
    """
    stack = np.asarray(images)
    if stack.ndim != 3 or len(stack) == 0:
        raise ValueError(f"images must be a non-empty (n, h, w) stack, got shape {stack.shape}")
    pixels = stack.astype(np.float64) / (255.0 if stack.dtype == np.uint8 else 1.0)
    pixels -= pixels.mean(axis=(1, 2), keepdims=True)
    height, width = pixels.shape[1:]
    power = (np.abs(np.fft.fftshift(np.fft.fft2(pixels), axes=(1, 2))) ** 2).mean(axis=0) / (height * width)
    fy = (np.arange(height) - height // 2) / height
    fx = (np.arange(width) - width // 2) / width
    frequency = np.hypot(fy[:, None], fx[None, :])
    steps = min(height, width) if bins is None else 2 * bins
    last = min(height, width) // 2 if bins is None else bins
    radius = np.rint(frequency * steps).astype(int)
    kept = radius <= last
    counts = np.bincount(radius[kept], minlength=last + 1)
    sums = np.bincount(radius[kept], weights=power[kept], minlength=last + 1)
    present = counts > 0
    return np.flatnonzero(present) / steps, sums[present] / counts[present]


def spectral_distance(real: np.ndarray, generated: np.ndarray) -> float:
    """Mean absolute difference of the ``log10`` radial power spectra (``radial_power_spectrum``) of two stacks
    of one image size, over the non-zero frequencies: 0 = same spectrum, 1 = a tenfold power gap on average.
    Powers are floored at ``POWER_FLOOR`` before the logarithm."""
    real, generated = np.asarray(real), np.asarray(generated)
    if real.shape[1:] != generated.shape[1:]:
        raise ValueError(f"spectra compare images of one size, got {real.shape[1:]} and {generated.shape[1:]}")
    frequency, real_power = radial_power_spectrum(real)
    _, generated_power = radial_power_spectrum(generated)
    nonzero = frequency > 0
    gap = np.log10(np.maximum(real_power[nonzero], POWER_FLOOR)) - np.log10(np.maximum(generated_power[nonzero], POWER_FLOOR))
    return float(np.abs(gap).mean())


def _resized_stack(images: np.ndarray, size: int) -> np.ndarray:
    """A uint8 (n, h, w) stack resized to (n, size, size) by ``imaging.resize_square`` (itself when already so)."""
    images = np.asarray(images)
    if images.shape[1:] == (size, size):
        return images
    return np.stack([resize_square(np.asarray(image, dtype=np.uint8), size) for image in images])


def quality_from_vectors(generated: np.ndarray, train: np.ndarray, held_out: np.ndarray, k: int = 3, seed: int = 0) -> dict[str, Any]:
    """Every vector metric of one generator in any feature space: improved precision and recall against the
    training reals, their real-vs-real floor (training reals split in random halves), near copies, and the
    distance membership AUC (members = training reals, non-members = held-out reals)."""
    generated = _as_vectors(generated, "generated")
    train, held_out = _as_vectors(train, "train"), _as_vectors(held_out, "held_out")
    precision, recall = improved_precision_recall(train, generated, k)
    floor_precision, floor_recall = real_floor(train, k, seed)
    ratios = nearest_distance_ratios(generated, train, held_out)
    return {
        "precision": precision,
        "recall": recall,
        "floor_precision": floor_precision,
        "floor_recall": floor_recall,
        "near_copy_share": near_copy_share(ratios),
        "median_ratio": float(np.median(ratios)),
        "membership_auc": membership_distance_auc(train, held_out, generated),
        "k": k,
        "n_generated": len(generated),
        "n_train": len(train),
        "n_held_out": len(held_out),
    }


def generator_quality(
    generated_images: np.ndarray,
    train_images: np.ndarray,
    held_out_images: np.ndarray,
    pixel_size: int = 32,
    k: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """``quality_from_vectors`` in pixel space (images resized to ``pixel_size``), plus the spectral distance
    of the generated images from the training images at full resolution. When the two stacks differ in size,
    both are resized to the smaller side first (same field of view assumed; the resize's antialiasing then
    damps the resized stack's highest frequencies, so that distance is only indicative)."""
    metrics = quality_from_vectors(
        pixel_vectors(generated_images, pixel_size),
        pixel_vectors(train_images, pixel_size),
        pixel_vectors(held_out_images, pixel_size),
        k,
        seed,
    )
    train_images, generated_images = np.asarray(train_images), np.asarray(generated_images)
    side = min(*train_images.shape[1:], *generated_images.shape[1:])
    if train_images.shape[1:] != generated_images.shape[1:]:
        train_images, generated_images = _resized_stack(train_images, side), _resized_stack(generated_images, side)
    metrics["spectral_distance"] = spectral_distance(train_images, generated_images)
    metrics["pixel_size"] = pixel_size
    return metrics
