"""Feature-extraction speed per backbone: batched against one image at a time, in one run.

The authors' script pushed images through the network one by one. This measures, per
backbone and on the chosen device (CPU by default), images per second for one image per call
(baseline) and for batches, the ratio (target: at least 5x the baseline), and the achieved
share of this machine's float32 matmul GFLOP/s, measured in the same run. Weights are random
(``weights: none``); speed does not depend on them.

Usage: ``uv run python benchmarks/feature_extraction_speed.py [--images 64] [--batch-size 32] [--device cpu]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from machine import matmul_gflops
from torch.utils.flop_counter import FlopCounterMode

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")


def images_per_second(model, preprocess, images, device, batch_size: int, precision: str = "float32") -> float:
    from gans_fingerprints.models.backbones import extract_features

    extract_features(model, preprocess, images[: max(1, batch_size)], device, batch_size, precision)  # warm-up
    start = time.perf_counter()
    extract_features(model, preprocess, images, device, batch_size, precision)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(images) / (time.perf_counter() - start)


def flops_per_image(model, preprocess) -> float:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(preprocess(torch.rand(1, 3, 256, 256)))
    return float(counter.get_total_flops())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--backbones", nargs="+", default=["mobilenet_v2", "resnet50", "efficientnet_b0", "densenet121"])
    args = parser.parse_args()

    from gans_fingerprints.devices import resolve_device
    from gans_fingerprints.models.backbones import build_backbone

    device = resolve_device(args.device)
    images = np.random.default_rng(0).integers(0, 256, (args.images, 256, 256), dtype=np.uint8)
    peak = matmul_gflops(device)
    print(f"{args.images} images of 256 px, device {device}, float32 matmul {peak:.0f} GFLOP/s\n")
    print(f"{'backbone':<17}{'mode':<24}{'images/s':>9}{'vs baseline':>12}{'GFLOP/s':>9}{'of matmul':>11}")
    for name in args.backbones:
        model, preprocess, _ = build_backbone(name, weights="none")
        flops = flops_per_image(model, preprocess)
        single = images_per_second(model, preprocess, images[: max(8, args.images // 4)], device, 1)
        rows = {
            "1 image per call (baseline)": single,
            f"batches of {args.batch_size}, float32": images_per_second(model, preprocess, images, device, args.batch_size),
            f"batches of {args.batch_size}, bfloat16": images_per_second(
                model, preprocess, images, device, args.batch_size, "bfloat16"
            ),
        }
        for mode, rate in rows.items():
            achieved = rate * flops / 1e9
            print(f"{name:<17}{mode:<24}{rate:>9.1f}{rate / single:>11.1f}x{achieved:>9.1f}{achieved / peak:>11.1%}")
        print(f"{'':<17}({flops / 1e9:.2f} GFLOP per image; bfloat16 shares are of the float32 matmul rate)")


if __name__ == "__main__":
    main()
