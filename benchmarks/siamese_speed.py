"""Siamese training and inference speed on the demo benchmark, measured in one run.

1. Training: the authors' ``paper`` pair batches against ``batch_all`` on the same split and
   seed. The paper mode trains for ``--epochs`` epochs; its best validation attribution accuracy
   is the target; the table gives each mode's training seconds (validation excluded) until it
   first reaches the target, and the median ratio over ``--repeats`` seeds. Target: batch_all at
   least 3x faster.
2. Inference: test images embedded per second at several batch sizes, against one image at a
   time (the authors' script called ``predict`` per image), and the achieved share of this
   machine's float32 matmul GFLOP/s, measured in the same run.

Needs the ingested demo data: run ``make demo`` first. Usage:
``uv run python benchmarks/siamese_speed.py [--epochs 30] [--validation-fraction 0.3] [--device auto]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from machine import matmul_gflops

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def load_demo_data(validation_fraction: float, seed: int):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from gans_fingerprints.pipelines.ingestion.nodes import split_subtask2_training
    from gans_fingerprints.pipelines.subtask2_siamese.nodes import _pair_data

    bootstrap_project(PROJECT_ROOT)
    with KedroSession.create(project_path=PROJECT_ROOT, env="demo") as session:
        catalog = session.load_context().catalog
        try:
            manifest = catalog.load("subtask2_train_manifest")
            images = catalog.load("subtask2_train_image_stack")
            test_images = catalog.load("subtask2_test_image_stack")
        except Exception as error:  # noqa: BLE001 - one clear message for any missing input
            sys.exit(f"error: the ingested demo data is missing ({error}); run `make demo` first.")
    split = split_subtask2_training(manifest, {"validation_fraction": validation_fraction, "split_seed": seed})
    data, _ = _pair_data(split, images)
    return data, np.asarray(test_images)


def train_curve(data, config, device):
    """Train; returns per-epoch (cumulative training seconds, validation accuracy)."""
    from gans_fingerprints.models.siamese_training import train_siamese

    _, history = train_siamese(data, config, device, checkpoints=None, resume=False)
    return list(zip(history["seconds"].cumsum(), history["validation_attribution_accuracy"], strict=True))


def first_reaching(curve, target):
    for epoch, (seconds, accuracy) in enumerate(curve, start=1):
        if accuracy >= target:
            return epoch, seconds
    return None, None


def forward_flops(model, size: int) -> float:
    """Multiply-adds x 2 of one forward pass (convolutions and the dense layer)."""
    flops, side, channels = 0.0, size, 1
    for layer in model.features:
        if isinstance(layer, torch.nn.Conv2d):
            side -= 2
            flops += 2 * side * side * layer.out_channels * channels * 9
            channels = layer.out_channels
        elif isinstance(layer, torch.nn.MaxPool2d):
            side //= 2
    linear = model.embed[1]
    return flops + 2 * linear.in_features * linear.out_features


def images_per_second(model, images, device, batch_size: int) -> float:
    from gans_fingerprints.models.siamese_training import embed_images

    embed_images(model, images[:batch_size], device, batch_size)  # warm-up
    start = time.perf_counter()
    embed_images(model, images, device, batch_size)
    return len(images) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--validation-fraction", type=float, default=0.3)
    parser.add_argument("--batch-all-per-class", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeats", type=int, default=3, help="seeds per mode; the table reports the median")
    args = parser.parse_args()

    from gans_fingerprints.devices import resolve_device
    from gans_fingerprints.models.siamese import SiameseBranch
    from gans_fingerprints.models.siamese_training import SiameseConfig

    device = resolve_device(args.device)
    data, test_images = load_demo_data(args.validation_fraction, args.seed)
    size = data.real.shape[1]
    base = SiameseConfig(image_size=size, epochs=args.epochs, seed=args.seed)
    print(f"demo data: {len(data.real)} real + {len(data.generated)} generated training images, "
          f"{len(data.validation_generated)} held out, {size} px, device {device}")

    batch_all_base = {**base.__dict__, "pair_sampling": "batch_all", "batch_all_per_class": args.batch_all_per_class}
    curves = {"paper": [], "batch_all": []}
    for seed in range(args.seed, args.seed + args.repeats):
        curves["paper"].append(train_curve(data, SiameseConfig(**{**base.__dict__, "seed": seed}), device))
        curves["batch_all"].append(train_curve(data, SiameseConfig(**{**batch_all_base, "seed": seed}), device))
    target = min(max(accuracy for _, accuracy in curve) for curve in curves["paper"])
    print(f"\ntarget: {target:.3f} validation attribution accuracy (reached by every paper-mode run within {args.epochs} epochs)")
    print(f"{'pair sampling':<14}{'seed':>6}{'epochs':>8}{'train s':>10}")
    reached = {}
    for mode, runs in curves.items():
        for seed, curve in zip(range(args.seed, args.seed + args.repeats), runs, strict=True):
            epoch, seconds = first_reaching(curve, target)
            reached.setdefault(mode, []).append(seconds if seconds is not None else float("inf"))
            print(f"{mode:<14}{seed:>6}{epoch if epoch else 'never':>8}{seconds if seconds else float('nan'):>10.2f}")
    paper_median, batch_all_median = (float(np.median(reached[m])) for m in ("paper", "batch_all"))
    print(f"median seconds to target: paper {paper_median:.2f}, batch_all {batch_all_median:.2f}; "
          f"batch_all is {paper_median / batch_all_median:.1f}x faster (target: at least 3x)")

    model = SiameseBranch(size).to(device)
    sizes = (1, 16, 64, 256)
    rates = {size_: images_per_second(model, test_images, device, size_) for size_ in sizes}
    peak = matmul_gflops(device)
    flops = forward_flops(model, size)
    print(f"\n{'inference batch size':<22}{'images/s':>10}{'vs 1 image':>12}{'GFLOP/s':>10}{'of matmul':>11}")
    for batch_size, rate in rates.items():
        achieved = rate * flops / 1e9
        label = f"{batch_size} (authors)" if batch_size == 1 else str(batch_size)
        print(f"{label:<22}{rate:>10.0f}{rate / rates[1]:>11.1f}x{achieved:>10.1f}{achieved / peak:>11.1%}")
    print(f"\nforward pass: {flops / 1e6:.1f} MFLOP per {size} px image; this machine's float32 matmul: {peak:.0f} GFLOP/s "
          f"({device})")

if __name__ == "__main__":
    main()
