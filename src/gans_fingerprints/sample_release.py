"""A small dataset in the release layout, written in seconds, for tests and the quick demo.

It is not the benchmark (no GAN, no CT simulator): "real" images are smooth random
phantoms, and each "generated" image is a blurred, noisy copy of one real image of the set
its generator is said to have trained on. That keeps a true, if easy, link between training
reals and generated images, so the ground truth written beside it means something.

Usage: ``python -m gans_fingerprints.sample_release data/01_raw --image-size 64 --per-folder 8``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

MARKER_NAME = ".gans_fingerprints_sample_release.json"
LAYOUT_TOP_LEVEL = ("subtask1", "subtask2", "ground_truth")
IGNORED_NAMES = frozenset({".gitkeep", MARKER_NAME})


class TargetNotEmptyError(RuntimeError):
    """The target folder holds files this module did not write."""


def _phantom(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth body-like phantom: an ellipse with a few bright and dark blobs."""
    y, x = np.mgrid[0:size, 0:size] / size - 0.5
    body = (x / rng.uniform(0.35, 0.45)) ** 2 + (y / rng.uniform(0.28, 0.38)) ** 2 < 1
    image = np.where(body, 0.45, 0.0)
    for _ in range(6):
        cx, cy = rng.uniform(-0.3, 0.3, size=2)
        radius = rng.uniform(0.04, 0.14)
        image += rng.uniform(-0.35, 0.45) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius**2)) * body
    return np.clip(image * 255, 0, 255).astype(np.uint8)


def _generated_copy(real: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a generator that memorised ``real`` might emit: blurred, shifted and noisy."""
    blurred = np.asarray(Image.fromarray(real).filter(ImageFilter.GaussianBlur(radius=1.0)), dtype=np.float64)
    shifted = np.roll(blurred, shift=tuple(rng.integers(-2, 3, size=2)), axis=(0, 1))
    return np.clip(shifted + rng.normal(0, 6, size=real.shape), 0, 255).astype(np.uint8)


def _save(folder: Path, name: str, pixels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, mode="L").save(folder / f"{name}.png")


def _check_target(root: Path, settings: dict) -> bool:
    """True when the target already holds this exact sample; raises when it holds foreign files."""
    marker = root / MARKER_NAME
    if marker.exists() and json.loads(marker.read_text()) == settings:
        return True
    if marker.exists():
        return False
    foreign = [p for p in root.rglob("*") if p.is_file() and p.name not in IGNORED_NAMES] if root.exists() else []
    if foreign:
        raise TargetNotEmptyError(
            f"{root} already holds files this tool did not write (e.g. {foreign[0]}); refusing to overwrite them. "
            "Choose an empty folder or move your data."
        )
    return False


def write_sample_release(root: str | Path, image_size: int = 64, per_folder: int = 8, seed: int = 0) -> Path:
    """Write the sample dataset under ``root`` (skipped when the same one is already there)."""
    root = Path(root)
    settings = {"image_size": image_size, "per_folder": per_folder, "seed": seed, "version": 1}
    if _check_target(root, settings):
        return root
    for name in LAYOUT_TOP_LEVEL:  # an earlier sample with other settings: replace it
        for path in sorted((root / name).rglob("*"), reverse=True) if (root / name).exists() else []:
            path.unlink() if path.is_file() else path.rmdir()
    rng = np.random.default_rng(seed)
    subsets = [f"t{k}" for k in range(1, 6)]

    # Subtask 1: a generator trained on the "used" reals; the test split has its own generator.
    s1 = root / "subtask1"
    used = [_phantom(rng, image_size) for _ in range(per_folder)]
    for i, pixels in enumerate(used):
        _save(s1 / "train" / "real_used", f"used_{i + 1:04d}", pixels)
    for i in range(per_folder):
        _save(s1 / "train" / "real_not_used", f"not_used_{i + 1:04d}", _phantom(rng, image_size))
    for i in range(2 * per_folder):
        _save(s1 / "train" / "generated", f"generated_{i + 1:04d}", _generated_copy(used[i % per_folder], rng))
    test_reals = [_phantom(rng, image_size) for _ in range(2 * per_folder)]
    test_used = sorted(rng.permutation(len(test_reals))[:per_folder].tolist())
    truth = []
    for i, pixels in enumerate(test_reals):
        _save(s1 / "test" / "real_unknown", f"real_unknown_{i + 1:04d}", pixels)
        truth.append({"image_id": f"real_unknown_{i + 1:04d}", "label": int(i in test_used)})
    for i in range(2 * per_folder):
        source = test_reals[test_used[i % per_folder]]
        _save(s1 / "test" / "generated", f"generated_{i + 1:04d}", _generated_copy(source, rng))
    (root / "ground_truth").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(truth).to_csv(root / "ground_truth" / "subtask1_test.csv", index=False)

    # Subtask 2: each subset's generator copies that subset's reals.
    s2 = root / "subtask2"
    test_images: list[tuple[str, np.ndarray]] = []
    for subset in subsets:
        reals = [_phantom(rng, image_size) for _ in range(per_folder)]
        for i, pixels in enumerate(reals):
            _save(s2 / "train" / "real" / subset, f"{subset}_{i + 1:04d}", pixels)
            _save(s2 / "train" / "generated" / f"gen_{subset}", f"gen_{subset}_{i + 1:04d}", _generated_copy(pixels, rng))
            test_images.append((subset, _generated_copy(pixels, rng)))
    truth = []
    for i, index in enumerate(rng.permutation(len(test_images))):
        subset, pixels = test_images[index]
        _save(s2 / "test" / "generated_unknown", f"{i + 1:05d}", pixels)
        truth.append({"image_id": f"{i + 1:05d}", "subset": subset})
    pd.DataFrame(truth).to_csv(root / "ground_truth" / "subtask2_test.csv", index=False)

    (root / MARKER_NAME).write_text(json.dumps(settings))
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="folder to write the release layout into (e.g. data/01_raw)")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--per-folder", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        root = write_sample_release(args.root, args.image_size, args.per_folder, args.seed)
    except TargetNotEmptyError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"Sample release ready under {root}")


if __name__ == "__main__":
    main()
