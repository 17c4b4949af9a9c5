"""Procedural axial chest CT slices in Hounsfield units, windowed to 8-bit grayscale.

Each call draws one patient: body contour with skin, subcutaneous fat and muscle; two lungs
with parenchymal texture, vessels and airways; heart, aorta and mediastinum; spine and ribs;
sternum; optional nodules, ground-glass patches and emphysema; the scanner table. Anatomy
changes with the slice level (apex → base: lungs grow then shrink, the heart appears, the
liver dome rises on the right). The scanner adds reconstruction blur and correlated noise.

Everything is in millimetres and HU; the image is rendered at 256 px or more and averaged
down, so small outputs are not aliased. Orientation is radiological: anterior at the top,
the patient's right on the image's left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

AIR_HU = -1000.0
FAT_HU = -100.0
SOFT_TISSUE_HU = 40.0
MUSCLE_HU = 50.0
LUNG_HU = -860.0
BONE_CANCELLOUS_HU = 250.0
BONE_CORTICAL_HU = 800.0
MIN_RENDER_SIZE = 256


@dataclass(frozen=True)
class ScannerSettings:
    """How a scanner and its reconstruction shape the image."""

    fov_mm: float = 380.0  # reconstructed field of view (square side)
    noise_hu: float = 18.0  # standard deviation of image noise
    kernel_sigma_mm: float = 0.8  # reconstruction blur; a sharper kernel has a smaller sigma
    noise_grain_mm: float = 0.9  # correlation length of the noise
    window_level: float = -600.0  # lung window
    window_width: float = 1500.0


@dataclass(frozen=True)
class CohortSpec:
    """A population of patients and the scanner they were imaged on."""

    scanner: ScannerSettings = ScannerSettings()
    slice_level_mean: float = 0.5  # 0 = lung apex, 1 = lung base
    slice_level_spread: float = 0.18
    body_scale_mean: float = 1.0
    nodule_rate: float = 0.4  # expected nodules per slice
    ground_glass_probability: float = 0.1
    emphysema_probability: float = 0.1


class _Canvas:
    """Coordinates (mm) of a square render grid and helpers to paint shapes in HU."""

    def __init__(self, size: int, fov_mm: float, centre: tuple[float, float], angle: float) -> None:
        self.size = size
        self.pixel_mm = fov_mm / size
        axis = (np.arange(size) + 0.5) * self.pixel_mm - fov_mm / 2
        x, y = np.meshgrid(axis, axis)
        # Patient coordinates: the patient may lie off-centre and slightly rotated.
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = x - centre[0], y - centre[1]
        self.x = cos * x + sin * y
        self.y = -sin * x + cos * y
        self.hu = np.full((size, size), AIR_HU)

    def ellipse(self, cx: float, cy: float, a: float, b: float, angle: float = 0.0) -> np.ndarray:
        """Normalised elliptical radius: < 1 inside the ellipse."""
        cos, sin = math.cos(angle), math.sin(angle)
        dx, dy = self.x - cx, self.y - cy
        u, v = cos * dx + sin * dy, -sin * dx + cos * dy
        return np.sqrt((u / a) ** 2 + (v / b) ** 2)

    def to_pixels(self, x_mm: np.ndarray, y_mm: np.ndarray, centre: tuple[float, float], angle: float) -> tuple:
        """Patient coordinates (mm) to fractional pixel indices (row, column)."""
        cos, sin = math.cos(angle), math.sin(angle)
        x = cos * x_mm - sin * y_mm + centre[0]
        y = sin * x_mm + cos * y_mm + centre[1]
        half = self.size * self.pixel_mm / 2
        return (y + half) / self.pixel_mm - 0.5, (x + half) / self.pixel_mm - 0.5


def _blobs(canvas: _Canvas, rows: np.ndarray, cols: np.ndarray, sigma_px: float) -> np.ndarray:
    """Sum of unit-peak Gaussian dots at the given pixel positions."""
    impulses = np.zeros((canvas.size, canvas.size))
    inside = (rows >= 0) & (rows < canvas.size) & (cols >= 0) & (cols < canvas.size)
    np.add.at(impulses, (rows[inside].astype(int), cols[inside].astype(int)), 1.0)
    return ndimage.gaussian_filter(impulses, sigma_px) * (2 * math.pi * sigma_px**2)


def _body(canvas: _Canvas, rng: np.random.Generator, scale: float) -> dict[str, float | np.ndarray]:
    a = rng.uniform(150, 180) * scale
    b = rng.uniform(100, 125) * scale
    theta = np.arctan2(canvas.y, canvas.x)
    wobble = sum(rng.uniform(0, 0.025) * np.cos(k * theta + rng.uniform(0, 2 * math.pi)) for k in range(2, 6))
    back = np.where(canvas.y > 0, 1.0 + 0.08 * np.clip(canvas.y / b, 0, 1), 1.0)  # flatter back on the table
    rho = canvas.ellipse(0, 0, a, b) * back / (1 + wobble)
    mean_radius = (a + b) / 2
    fat = rng.uniform(6, 28) * scale
    muscle = rng.uniform(8, 16)
    skin = 2.0
    canvas.hu[rho < 1] = SOFT_TISSUE_HU + 5
    canvas.hu[rho < 1 - skin / mean_radius] = FAT_HU + rng.normal(0, 8)
    canvas.hu[rho < 1 - (skin + fat) / mean_radius] = MUSCLE_HU
    cavity = rho < 1 - (skin + fat + muscle) / mean_radius
    canvas.hu[cavity] = SOFT_TISSUE_HU - 10
    return {"a": a, "b": b, "rho": rho, "mean_radius": mean_radius, "wall": skin + fat + muscle, "cavity": cavity}


def _lungs(canvas: _Canvas, rng: np.random.Generator, body: dict, level: float) -> tuple[np.ndarray, list]:
    """Paint both lungs; returns the lung mask and the hilum positions (mm)."""
    a, b, wall = body["a"], body["b"], body["wall"]
    growth = math.sin(math.pi * (0.2 + 0.6 * level))  # small at the apex, largest mid-chest
    mask = np.zeros_like(canvas.hu, dtype=bool)
    hila = []
    for side in (-1, 1):  # -1: patient's right (image left)
        la = (a - wall) * rng.uniform(0.40, 0.48) * growth
        lb = (b - wall) * rng.uniform(0.78, 0.9) * (0.55 + 0.45 * growth)
        cx = side * (a - wall) * rng.uniform(0.45, 0.52)
        cy = rng.uniform(-0.05, 0.12) * b
        lung = canvas.ellipse(cx, cy, la, lb, angle=side * rng.uniform(0.05, 0.25)) < 1
        mask |= lung & body["cavity"]
        hila.append((cx - side * la * 0.55, cy - lb * 0.05))
    posterior = np.clip((canvas.y + b) / (2 * b), 0, 1)  # dependent lung is denser
    texture = ndimage.gaussian_filter(rng.normal(0, 1, canvas.hu.shape), 1.2 / canvas.pixel_mm * 1.5)
    texture /= texture.std() + 1e-9
    canvas.hu[mask] = (LUNG_HU + rng.normal(0, 15) + 45 * posterior + 12 * texture)[mask]
    return mask, hila


def _mediastinum(canvas: _Canvas, rng: np.random.Generator, body: dict, level: float, lungs: np.ndarray) -> None:
    b, wall = body["b"], body["wall"]
    spine_y = b - wall - rng.uniform(28, 36)
    if level > 0.32:  # heart with a rim of pericardial fat
        grow = min(1.0, (level - 0.32) / 0.4)
        hx, hy = rng.uniform(8, 25), -rng.uniform(5, 25)
        ha, hb = rng.uniform(45, 62) * (0.6 + 0.4 * grow), rng.uniform(38, 50) * (0.6 + 0.4 * grow)
        angle = rng.uniform(-0.6, -0.3)
        heart = canvas.ellipse(hx, hy, ha, hb, angle)
        canvas.hu[heart < 1.08] = FAT_HU + 10
        canvas.hu[heart < 1] = SOFT_TISSUE_HU
        lungs &= heart >= 1.08
    else:  # great vessels and trachea above the heart
        canvas.hu[canvas.ellipse(rng.uniform(-8, 8), -rng.uniform(15, 30), 14, 14) < 1] = SOFT_TISSUE_HU + 5
        trachea = canvas.ellipse(rng.uniform(-4, 4), spine_y - rng.uniform(28, 36), 9, 8)
        canvas.hu[trachea < 1.25] = SOFT_TISSUE_HU - 20
        canvas.hu[trachea < 1] = AIR_HU + 20
    aorta = canvas.ellipse(rng.uniform(12, 24), spine_y - rng.uniform(20, 26), 12, 12)
    canvas.hu[aorta < 1] = SOFT_TISSUE_HU + 5
    lungs &= aorta >= 1.1
    # Spine: vertebral body with a cortical rim, spinal canal, posterior elements.
    vertebra = canvas.ellipse(0, spine_y, rng.uniform(15, 19), rng.uniform(13, 16))
    canvas.hu[vertebra < 1] = BONE_CORTICAL_HU
    canvas.hu[vertebra < 0.86] = BONE_CANCELLOUS_HU + rng.normal(0, 30)
    canal_y = spine_y + 22
    for side in (-1, 1):
        canvas.hu[canvas.ellipse(side * 11, canal_y + 2, 6, 9, side * 0.5) < 1] = BONE_CORTICAL_HU - 200
    canvas.hu[canvas.ellipse(0, canal_y + 16, 4, 10) < 1] = BONE_CORTICAL_HU - 250
    canvas.hu[canvas.ellipse(0, canal_y, 7, 7) < 1] = SOFT_TISSUE_HU - 20
    if 0.2 < level < 0.85:  # sternum
        sternum = canvas.ellipse(0, -b + wall + 4, rng.uniform(10, 15), 5)
        canvas.hu[sternum < 1] = BONE_CANCELLOUS_HU + 100


def _ribs(canvas: _Canvas, rng: np.random.Generator, body: dict) -> None:
    a, b, wall = body["a"], body["b"], body["wall"]
    count = rng.integers(7, 11)
    for side in (-1, 1):
        angles = np.sort(rng.uniform(-0.55, 0.95, size=count)) * math.pi  # sides and back, not the front
        for angle in angles:
            inset = wall - rng.uniform(2, 6)
            rx, ry = side * (a - inset) * math.cos(angle), (b - inset) * math.sin(angle)
            rib = canvas.ellipse(rx, ry, rng.uniform(5, 8), rng.uniform(3, 5), math.atan2(ry, rx) + math.pi / 2)
            canvas.hu[rib < 1] = BONE_CORTICAL_HU
            canvas.hu[rib < 0.6] = BONE_CANCELLOUS_HU


def _vessels_and_airways(canvas: _Canvas, rng: np.random.Generator, lungs: np.ndarray, hila: list, pose: tuple) -> None:
    rows_all, cols_all = np.nonzero(lungs)
    if len(rows_all) == 0:
        return
    vessel_hu = np.zeros_like(canvas.hu)
    dist_to_hilum = np.min(
        [np.hypot(canvas.x[lungs] - hx, canvas.y[lungs] - hy) for hx, hy in hila], axis=0
    )
    near = np.exp(-dist_to_hilum / 60.0)
    for radius_mm, count in ((0.7, 110), (1.3, 45), (2.2, 14), (3.5, 4)):
        # Large vessels sit near the hila, small ones everywhere.
        weights = near ** (radius_mm / 1.5) + 1e-6
        picks = rng.choice(len(rows_all), size=count, p=weights / weights.sum())
        jitter = rng.uniform(-0.5, 0.5, size=(2, count))
        vessel_hu += _blobs(canvas, rows_all[picks] + jitter[0], cols_all[picks] + jitter[1], radius_mm / canvas.pixel_mm)
    # Short in-plane vessel segments pointing away from the hila.
    for _ in range(14):
        hx, hy = hila[rng.integers(len(hila))]
        angle, start, length = rng.uniform(0, 2 * math.pi), rng.uniform(10, 60), rng.uniform(8, 30)
        steps = np.linspace(start, start + length, 40)
        rows, cols = canvas.to_pixels(hx + steps * math.cos(angle), hy + steps * math.sin(angle), *pose)
        vessel_hu += 0.35 * _blobs(canvas, rows, cols, 0.9 / canvas.pixel_mm) / 40 * (length / canvas.pixel_mm)
    canvas.hu[lungs] += np.minimum(vessel_hu[lungs], 1.0) * 0.85 * (SOFT_TISSUE_HU - LUNG_HU)
    # Airways near the hila: an air lumen inside a thin soft-tissue wall.
    for hx, hy in hila:
        for _ in range(rng.integers(2, 6)):
            r = rng.uniform(2, 6)
            bx, by = hx + rng.normal(0, 14), hy + rng.normal(0, 14)
            airway = canvas.ellipse(bx, by, r, r * rng.uniform(0.8, 1.0))
            canvas.hu[(airway < 1.35) & lungs] = SOFT_TISSUE_HU - 60
            canvas.hu[(airway < 1) & lungs] = AIR_HU + 30


def _pathology(canvas: _Canvas, rng: np.random.Generator, cohort: CohortSpec, lungs: np.ndarray) -> None:
    rows, cols = np.nonzero(lungs)
    if len(rows) == 0:
        return
    for _ in range(rng.poisson(cohort.nodule_rate)):
        k = rng.integers(len(rows))
        r = rng.uniform(3, 12)
        nodule = canvas.ellipse(canvas.x[rows[k], cols[k]], canvas.y[rows[k], cols[k]], r, r * rng.uniform(0.75, 1.0))
        canvas.hu[nodule < 1] = SOFT_TISSUE_HU - 10 + rng.normal(0, 10)
    if rng.random() < cohort.ground_glass_probability:
        k = rng.integers(len(rows), size=rng.integers(1, 4))
        patches = _blobs(canvas, rows[k].astype(float), cols[k].astype(float), rng.uniform(8, 20) / canvas.pixel_mm)
        canvas.hu[lungs] += 380 * np.minimum(patches[lungs], 1.0)
    if rng.random() < cohort.emphysema_probability:
        k = rng.integers(len(rows), size=rng.integers(15, 60))
        holes = _blobs(canvas, rows[k].astype(float), cols[k].astype(float), rng.uniform(1.5, 4) / canvas.pixel_mm)
        canvas.hu[lungs] -= 110 * np.minimum(holes[lungs], 1.0)


def _table(canvas: _Canvas, rng: np.random.Generator, body: dict) -> None:
    top = body["b"] * 1.08 + rng.uniform(4, 16)
    curve = top + 0.0009 * canvas.x**2
    canvas.hu[(canvas.y > curve) & (canvas.y < curve + 5)] = 200.0
    canvas.hu[(canvas.y > curve + 18) & (canvas.y < curve + 22)] = 120.0


def _liver_dome(canvas: _Canvas, rng: np.random.Generator, body: dict, level: float, lungs: np.ndarray) -> None:  # noqa: ARG001 - painters share one signature
    if level < 0.72:
        return
    size = (level - 0.72) / 0.28
    dome = canvas.ellipse(-body["a"] * 0.32, body["b"] * 0.2, 45 * size + 8, 35 * size + 6)
    canvas.hu[(dome < 1) & body["cavity"]] = 60.0
    lungs &= dome >= 1


def _scanner(hu: np.ndarray, pixel_mm: float, scanner: ScannerSettings) -> np.ndarray:
    return ndimage.gaussian_filter(hu, scanner.kernel_sigma_mm / pixel_mm)


def _noise(shape: tuple[int, int], pixel_mm: float, scanner: ScannerSettings, rng: np.random.Generator) -> np.ndarray:
    """Correlated noise: white noise band-passed (CT's noise power falls at low and high frequency)."""
    white = rng.normal(0, 1, shape)
    grain = max(scanner.noise_grain_mm / pixel_mm, 0.3)
    noise = ndimage.gaussian_filter(white, grain * 0.6) - 0.6 * ndimage.gaussian_filter(white, grain * 3)
    return noise / (noise.std() + 1e-9) * scanner.noise_hu


def window(hu: np.ndarray, level: float, width: float) -> np.ndarray:
    """Map HU to 8-bit grayscale through a display window."""
    scaled = (hu - (level - width / 2)) / width
    return np.rint(np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def render_slice(cohort: CohortSpec, size: int, rng: np.random.Generator) -> np.ndarray:
    """One axial chest CT slice of a new random patient from ``cohort``, as ``uint8`` (size, size)."""
    factor = max(1, math.ceil(MIN_RENDER_SIZE / size))
    render_size = size * factor
    scanner = cohort.scanner
    level = float(np.clip(rng.normal(cohort.slice_level_mean, cohort.slice_level_spread), 0.05, 0.95))
    pose = ((rng.normal(0, 8), rng.normal(-10, 6)), rng.normal(0, 0.05))
    canvas = _Canvas(render_size, scanner.fov_mm, *pose)
    body = _body(canvas, rng, scale=cohort.body_scale_mean * rng.uniform(0.9, 1.1))
    lungs, hila = _lungs(canvas, rng, body, level)
    _liver_dome(canvas, rng, body, level, lungs)
    _mediastinum(canvas, rng, body, level, lungs)
    _vessels_and_airways(canvas, rng, lungs, hila, pose)
    _pathology(canvas, rng, cohort, lungs)
    _ribs(canvas, rng, body)
    _table(canvas, rng, body)
    hu = _scanner(canvas.hu, canvas.pixel_mm, scanner)
    if factor > 1:
        hu = hu.reshape(size, factor, size, factor).mean(axis=(1, 3))
    hu = hu + _noise(hu.shape, scanner.fov_mm / size, scanner, rng)
    return window(hu, scanner.window_level, scanner.window_width)
