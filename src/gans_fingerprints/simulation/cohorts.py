"""Cohorts of simulated patients: how the real subsets t1–t5 differ, scaled by one number.

Each subset gets a fixed direction of difference from a shared base cohort (noisier or
quieter scanner, sharper or softer kernel, wider or narrower field of view, higher or lower
slice levels, more or less pathology). ``cohort_shift`` scales all of them: at 0 the five
populations are identical, and only what each generator learned from its own training
images can link gen_tK to tK; at 1 the differences are plain to see.
"""

from __future__ import annotations

from dataclasses import replace

from gans_fingerprints.simulation.ct_phantom import CohortSpec, ScannerSettings

BASE_COHORT = CohortSpec()

# Per subset: (noise, kernel sharpness, field of view, slice level, pathology), each in [-1, 1].
SUBSET_DIRECTIONS: tuple[tuple[float, float, float, float, float], ...] = (
    (-1.0, 0.5, 0.0, -0.5, -0.5),
    (0.5, -1.0, 0.5, 0.0, 0.0),
    (0.0, 0.0, -1.0, 0.5, 1.0),
    (1.0, 1.0, 0.5, 1.0, -1.0),
    (-0.5, -0.5, 1.0, -1.0, 0.5),
)

# What a direction of 1 means for each factor when cohort_shift = 1.
NOISE_HU_STEP = 10.0
KERNEL_SIGMA_STEP_MM = 0.35
FOV_STEP_MM = 45.0
SLICE_LEVEL_STEP = 0.18
NODULE_RATE_STEP = 0.35
PATHOLOGY_PROBABILITY_STEP = 0.08


def subset_cohort(index: int, cohort_shift: float, base: CohortSpec = BASE_COHORT) -> CohortSpec:
    """The cohort of subset ``index`` (0-based; cycles past five subsets) at ``cohort_shift``."""
    if cohort_shift < 0:
        raise ValueError(f"cohort_shift must be >= 0, got {cohort_shift}")
    noise, sharpness, fov, level, pathology = (cohort_shift * d for d in SUBSET_DIRECTIONS[index % 5])
    scanner = replace(
        base.scanner,
        noise_hu=max(3.0, base.scanner.noise_hu + NOISE_HU_STEP * noise),
        kernel_sigma_mm=max(0.2, base.scanner.kernel_sigma_mm - KERNEL_SIGMA_STEP_MM * sharpness),
        noise_grain_mm=max(0.3, base.scanner.noise_grain_mm - 0.3 * sharpness),
        fov_mm=base.scanner.fov_mm + FOV_STEP_MM * fov,
    )
    return replace(
        base,
        scanner=scanner,
        slice_level_mean=min(0.9, max(0.1, base.slice_level_mean + SLICE_LEVEL_STEP * level)),
        nodule_rate=max(0.0, base.nodule_rate + NODULE_RATE_STEP * pathology),
        ground_glass_probability=max(0.0, base.ground_glass_probability + PATHOLOGY_PROBABILITY_STEP * pathology),
        emphysema_probability=max(0.0, base.emphysema_probability - PATHOLOGY_PROBABILITY_STEP * pathology),
    )


def describe(cohort: CohortSpec) -> dict[str, float]:
    """Flat summary of a cohort, for reports."""
    scanner: ScannerSettings = cohort.scanner
    return {
        "noise_hu": round(scanner.noise_hu, 3),
        "kernel_sigma_mm": round(scanner.kernel_sigma_mm, 3),
        "noise_grain_mm": round(scanner.noise_grain_mm, 3),
        "fov_mm": round(scanner.fov_mm, 3),
        "slice_level_mean": round(cohort.slice_level_mean, 3),
        "nodule_rate": round(cohort.nodule_rate, 3),
        "ground_glass_probability": round(cohort.ground_glass_probability, 3),
        "emphysema_probability": round(cohort.emphysema_probability, 3),
    }
