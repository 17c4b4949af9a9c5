import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from gans_fingerprints.evaluation.generator_quality import (
    generator_quality,
    improved_precision_recall,
    manifold_radii,
    membership_distance_auc,
    near_copy_share,
    nearest_distance_ratios,
    pixel_vectors,
    quality_from_vectors,
    radial_power_spectrum,
    real_floor,
    spectral_distance,
)


def _diverse_images(rng: np.random.Generator, count: int, size: int = 32) -> np.ndarray:
    """Independent smoothed-noise uint8 images: every pair far apart in pixel space."""
    smooth = gaussian_filter(rng.random((count, size, size)), sigma=(0, 1.5, 1.5))
    smooth = (smooth - smooth.min(axis=(1, 2), keepdims=True)) / np.ptp(smooth, axis=(1, 2), keepdims=True)
    return np.rint(smooth * 255).astype(np.uint8)


def test_pixel_vectors_are_resized_float32_in_unit_range():
    images = np.zeros((3, 40, 40), dtype=np.uint8)
    images[1] = 255
    images[2, :, 20:] = 255
    vectors = pixel_vectors(images, 16)
    assert vectors.shape == (3, 256)
    assert vectors.dtype == np.float32
    assert vectors.min() == 0.0
    assert vectors.max() == 1.0
    assert np.all(vectors[0] == 0.0)
    assert np.all(vectors[1] == 1.0)
    assert 0.0 < vectors[2].mean() < 1.0


def test_a_generator_returning_its_training_images_is_a_perfect_copier():
    rng = np.random.default_rng(0)
    train, held_out = _diverse_images(rng, 60), _diverse_images(rng, 60)
    quality = generator_quality(train.copy(), train, held_out, pixel_size=16)
    assert quality["precision"] == 1.0
    assert quality["recall"] == 1.0
    assert quality["near_copy_share"] == 1.0
    assert quality["median_ratio"] == 0.0
    assert quality["membership_auc"] == 1.0
    assert quality["spectral_distance"] == 0.0
    assert (quality["n_generated"], quality["n_train"], quality["n_held_out"]) == (60, 60, 60)


def test_a_generator_drawing_fresh_images_copies_nothing():
    rng = np.random.default_rng(1)
    train, held_out, generated = _diverse_images(rng, 60), _diverse_images(rng, 60), _diverse_images(rng, 60)
    quality = generator_quality(generated, train, held_out, pixel_size=16)
    assert quality["near_copy_share"] == 0.0
    assert 0.6 < quality["median_ratio"] < 1.6
    assert quality["spectral_distance"] < 0.1


def test_a_generator_repeating_one_image_has_no_recall():
    rng = np.random.default_rng(2)
    train = _diverse_images(rng, 80)
    collapsed = np.repeat(train[:1], 80, axis=0)
    precision, recall = improved_precision_recall(pixel_vectors(train, 16), pixel_vectors(collapsed, 16))
    assert recall < 0.2
    assert recall == pytest.approx(1 / 80)  # only the repeated image itself lies in a radius-0 manifold
    assert precision == 1.0  # the one image is real


def test_two_draws_of_one_gaussian_overlap_and_a_shifted_one_does_not():
    rng = np.random.default_rng(3)
    real, same = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    precision, recall = improved_precision_recall(real, same)
    assert precision > 0.6
    assert recall > 0.6
    shifted_precision, shifted_recall = improved_precision_recall(real, same + 10.0)
    assert shifted_precision < 0.05
    assert shifted_recall < 0.05
    floor_precision, floor_recall = real_floor(real, seed=0)
    assert floor_precision > 0.6
    assert floor_recall > 0.6


def test_real_floor_is_seeded():
    real = np.random.default_rng(4).normal(size=(101, 4))
    assert real_floor(real, seed=7) == real_floor(real, seed=7)


def test_manifold_radii_clip_k_to_the_set_size():
    points = np.array([[0.0], [1.0], [3.0]])
    assert manifold_radii(points, k=1).tolist() == [1.0, 1.0, 2.0]
    assert manifold_radii(points, k=10).tolist() == [3.0, 2.0, 3.0]  # k clipped to n - 1 = 2
    assert manifold_radii(points[:1], k=3).tolist() == [0.0]
    assert improved_precision_recall(points[:1], points[:1]) == (1.0, 1.0)
    assert improved_precision_recall(points[:1], points[1:2]) == (0.0, 0.0)
    with pytest.raises(ValueError, match="at least 1"):
        manifold_radii(points, k=0)


def test_nearest_distance_ratios_and_near_copy_share():
    train = np.array([[0.0, 0.0], [10.0, 0.0]])
    held_out = np.array([[0.0, 4.0], [10.0, 4.0]])
    generated = np.array([[0.0, 1.0], [10.0, 2.0], [0.0, 4.0], [50.0, 50.0]])
    ratios = nearest_distance_ratios(generated, train, held_out)
    assert ratios[:2] == pytest.approx([1 / 3, 1.0])
    assert ratios[2] == pytest.approx(4.0 / 1e-12)  # held-out distance 0 floored at the epsilon
    assert near_copy_share(ratios) == 0.0  # 1/3 exactly is not under the threshold
    assert near_copy_share(ratios, threshold=0.5) == 0.25
    assert nearest_distance_ratios(train, train, held_out).tolist() == [0.0, 0.0]


def test_membership_auc_is_one_for_duplicated_members_and_chance_for_independent_generation():
    rng = np.random.default_rng(5)
    members, non_members = rng.normal(size=(300, 16)), rng.normal(size=(300, 16))
    independent = rng.normal(size=(600, 16))
    assert membership_distance_auc(members, non_members, np.concatenate([independent, members])) == 1.0
    assert membership_distance_auc(members, non_members, independent) == pytest.approx(0.5, abs=0.2)


def test_quality_from_vectors_accepts_any_feature_space():
    rng = np.random.default_rng(6)
    train, held_out = rng.normal(size=(50, 5)), rng.normal(size=(50, 5))
    quality = quality_from_vectors(train[:25], train, held_out, k=3, seed=0)
    assert quality["near_copy_share"] == 1.0
    assert quality["precision"] == 1.0
    assert quality["recall"] < 1.0  # half of the training reals are not generated
    assert set(quality) >= {"precision", "recall", "floor_precision", "floor_recall", "near_copy_share", "median_ratio"}


def test_radial_spectrum_of_white_noise_is_flat_at_its_variance():
    noise = np.random.default_rng(7).integers(0, 256, size=(64, 64, 64), dtype=np.uint8)
    frequency, power = radial_power_spectrum(noise)
    assert frequency[0] == 0.0
    assert frequency[-1] == 0.5
    assert len(frequency) == 33
    assert power[0] == pytest.approx(0.0, abs=1e-12)  # means subtracted
    variance = (256**2 - 1) / 12 / 255**2  # of uniform uint8 noise scaled to [0, 1]
    assert power[1:].mean() == pytest.approx(variance, rel=0.03)
    assert np.all(np.abs(power[1:] / variance - 1) < 0.25)
    assert power[1:17].mean() == pytest.approx(power[17:].mean(), rel=0.05)


def test_radial_spectrum_of_a_smooth_image_decays():
    smooth = gaussian_filter(np.random.default_rng(8).random((16, 64, 64)), sigma=(0, 3, 3))
    frequency, power = radial_power_spectrum(smooth)
    low, high = power[(frequency > 0) & (frequency < 0.05)].mean(), power[frequency > 0.25].mean()
    assert high < 1e-3 * low
    assert np.all(np.diff(power[1:12]) < power[1] * 0.05)  # (almost) non-increasing from the lowest frequency


def test_radial_spectrum_bins_and_spectral_distance():
    rng = np.random.default_rng(9)
    noise = rng.integers(0, 256, size=(16, 32, 32), dtype=np.uint8)
    frequency, _ = radial_power_spectrum(noise, bins=4)
    assert frequency.tolist() == [0.0, 0.125, 0.25, 0.375, 0.5]
    assert spectral_distance(noise, noise) == 0.0
    smooth = np.rint(gaussian_filter(noise.astype(float), sigma=(0, 2, 2))).astype(np.uint8)
    assert spectral_distance(noise, smooth) > 1.0  # blurring removes orders of magnitude of high-frequency power
    with pytest.raises(ValueError, match="one size"):
        spectral_distance(noise, noise[:, :16, :16])


def test_generator_quality_compares_spectra_of_different_sizes_at_the_smaller_one():
    rng = np.random.default_rng(10)
    train, held_out = _diverse_images(rng, 20, size=32), _diverse_images(rng, 20, size=32)
    generated = _diverse_images(rng, 20, size=16)
    quality = generator_quality(generated, train, held_out, pixel_size=16)
    assert np.isfinite(quality["spectral_distance"])
    assert quality["pixel_size"] == 16
