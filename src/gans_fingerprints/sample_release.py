"""A small dataset in the release layout, written in seconds, for tests.

It is not the benchmark (no GAN, no CT simulator): "real" images are smooth random
phantoms, and each "generated" image is a blurred, noisy copy of one real image of the set
its generator is said to have trained on. That keeps a true, if easy, link between training
reals and generated images, so the ground truth written beside it means something.

Usage: ``python -m gans_fingerprints.sample_release data/01_raw --image-size 64 --per-folder 8``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

from gans_fingerprints.datasets.release import (
    ReleaseDataset,
    SyntheticRelease,
    TargetNotEmptyError,
)
from gans_fingerprints.layout import sequential_ids

WRITER = "sample_release"
SUBSETS = tuple(f"t{k}" for k in range(1, 6))


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


def build_sample_release(image_size: int = 64, per_folder: int = 8, seed: int = 0) -> SyntheticRelease:
    """The sample dataset, in memory."""
    rng = np.random.default_rng(seed)
    settings = {"image_size": image_size, "per_folder": per_folder, "seed": seed, "version": 2}
    release = SyntheticRelease(writer=WRITER, settings=settings)

    def add(folder: str, ids: list[str], images: list[np.ndarray]) -> None:
        release.images[folder] = (ids, np.stack(images))

    # Subtask 1: a generator trained on the "used" reals; the test split has its own generator.
    used = [_phantom(rng, image_size) for _ in range(per_folder)]
    add("subtask1/train/real_used", sequential_ids("used_", per_folder), used)
    add("subtask1/train/real_not_used", sequential_ids("not_used_", per_folder), [_phantom(rng, image_size) for _ in used])
    generated = [_generated_copy(used[i % per_folder], rng) for i in range(2 * per_folder)]
    add("subtask1/train/generated", sequential_ids("generated_", 2 * per_folder), generated)
    test_reals = [_phantom(rng, image_size) for _ in range(2 * per_folder)]
    test_used = sorted(rng.permutation(len(test_reals))[:per_folder].tolist())
    test_ids = sequential_ids("real_unknown_", len(test_reals))
    add("subtask1/test/real_unknown", test_ids, test_reals)
    test_generated = [_generated_copy(test_reals[test_used[i % per_folder]], rng) for i in range(2 * per_folder)]
    add("subtask1/test/generated", sequential_ids("generated_", 2 * per_folder), test_generated)
    labels = [int(i in test_used) for i in range(len(test_reals))]
    release.ground_truth["subtask1_test.csv"] = pd.DataFrame({"image_id": test_ids, "label": labels})

    # Subtask 2: each subset's generator copies that subset's reals.
    test_images: list[tuple[str, np.ndarray]] = []
    for subset in SUBSETS:
        reals = [_phantom(rng, image_size) for _ in range(per_folder)]
        add(f"subtask2/train/real/{subset}", sequential_ids(f"{subset}_", per_folder), reals)
        copies = [_generated_copy(r, rng) for r in reals]
        add(f"subtask2/train/generated/gen_{subset}", sequential_ids(f"gen_{subset}_", per_folder), copies)
        test_images += [(subset, _generated_copy(r, rng)) for r in reals]
    order = rng.permutation(len(test_images))
    unknown_ids = sequential_ids("", len(order), width=5)
    add("subtask2/test/generated_unknown", unknown_ids, [test_images[i][1] for i in order])
    release.ground_truth["subtask2_test.csv"] = pd.DataFrame(
        {"image_id": unknown_ids, "subset": [test_images[i][0] for i in order]}
    )
    return release


def write_sample_release(root: str | Path, image_size: int = 64, per_folder: int = 8, seed: int = 0) -> Path:
    """Write the sample dataset under ``root``; skipped when the same one is already there."""
    dataset = ReleaseDataset(path=str(root))
    release = build_sample_release(image_size, per_folder, seed)
    target = dataset.load()
    release.up_to_date = target.holds(WRITER, release.settings)
    if not release.up_to_date:
        target.check_writable()  # raise the typed error here; save() would wrap it in Kedro's DatasetError
    dataset.save(release)
    return Path(root)


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
