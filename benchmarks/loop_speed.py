"""Training and inference speed of every network the project trains or runs, as a share of the machine's matmul rate.

For the Siamese branch, the four feature backbones, the DCGAN generator and discriminator and the DDPM U-Net, at
the sizes the ``paper`` profile uses (the U-Net at the demo's), on one device, in one run:

* inference: images per second of a forward pass without gradients, from a uint8 batch already on the device
  (converted to float per batch, as the project's loops do);
* training: images per second of one optimiser step (forward, a scalar loss, backward, Adam) — the backbones
  are frozen feature extractors and are not trained;
* each in three layouts: float32, float32 channels-last, and bfloat16 autocast with channels-last; on a CPU,
  inference also in batches of 4 (channels-last), which keep activations in cache;
* achieved GFLOP/s (FLOPs counted by ``torch.utils.flop_counter``) as a share of this device's float32 matmul
  GFLOP/s (``machine.matmul_gflops``), measured in the same run.

Target (issue #15): inference at least 40% of matmul on a CPU; on a GPU, report the share.
Usage: ``uv run python benchmarks/loop_speed.py [--device auto] [--seconds 1.5] [--only siamese,dcgan_g]``
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from machine import matmul_gflops
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
LAYOUTS = ("float32", "float32 channels-last", "bfloat16 channels-last")
SMALL_BATCH = 4


@dataclass
class Network:
    """One network as the project runs it: how to build it, its input from a uint8 batch, and what it trains."""

    name: str
    build: Callable[[], nn.Module]
    images: tuple[int, int]  # (side, channels) of the uint8 input
    batch: int
    forward: Callable[[nn.Module, torch.Tensor], torch.Tensor]
    trains: bool = True


def _networks() -> list[Network]:
    from gans_fingerprints.models.backbones import build_backbone
    from gans_fingerprints.models.dcgan import Discriminator, Generator
    from gans_fingerprints.models.siamese import SiameseBranch
    from gans_fingerprints.models.unet import UNet

    def unit(images: torch.Tensor) -> torch.Tensor:
        return images.float().div_(255.0)

    def backbone(name: str) -> Network:
        model, preprocess, _ = build_backbone(name, weights="none")
        return Network(f"{name} (224 px input)", lambda: model, (256, 3), 16,
                       lambda m, x: m(preprocess(unit(x))), trains=False)

    def generator() -> Network:
        return Network("DCGAN generator (256 px, paper)", lambda: Generator(256, 100, 32), (1, 100), 64,
                       lambda m, x: m(x.float().flatten(1)))

    return [
        Network("Siamese branch (256 px)", lambda: SiameseBranch(256), (256, 1), 64, lambda m, x: m(unit(x))),
        backbone("mobilenet_v2"),
        backbone("resnet50"),
        backbone("efficientnet_b0"),
        backbone("densenet121"),
        generator(),
        Network("DCGAN discriminator (256 px, paper)", lambda: Discriminator(256, 32), (256, 1), 64,
                lambda m, x: m(unit(x).mul_(2).sub_(1))),
        Network("DDPM U-Net (64 px, demo subtask 1)", lambda: UNet(64, 24, (1, 2, 2), 4), (64, 1), 32,
                lambda m, x: m(unit(x), torch.full((len(x),), 500, device=x.device))),
        Network("DDPM U-Net (64 px, demo subsets)", lambda: UNet(64, 24, (1, 2, 2), 4, 2, 12), (64, 1), 32,
                lambda m, x: m(unit(x), torch.full((len(x),), 500, device=x.device))),
    ]


def _flops(network: Network, model: nn.Module, batch: torch.Tensor, training: bool) -> float:
    counter = FlopCounterMode(display=False)
    with counter:
        if training:
            network.forward(model, batch).float().mean().backward()
        else:
            with torch.no_grad():
                network.forward(model, batch)
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / len(batch)


def _rate(step: Callable[[], None], count: int, seconds: float, device: torch.device) -> float:
    """Images per second of ``step`` (``count`` images each), warmed up, repeated for at least ``seconds``."""
    step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or done < 2:
        step()
        done += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return done * count / (time.perf_counter() - start)


def measure(network: Network, layout: str, training: bool, device: torch.device, seconds: float,
            batch_size: int | None = None) -> tuple[float, float]:
    """(images/s, FLOPs per image) of ``network`` in ``layout``, ``batch_size`` images at a time (its default)."""
    batch_size = batch_size or network.batch
    torch.manual_seed(0)
    model = network.build().to(device)
    channels_last = "channels-last" in layout
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    side, channels = network.images
    shape = (batch_size, channels, side, side) if side > 1 else (batch_size, channels)
    batch = torch.randint(0, 256, shape, dtype=torch.uint8, device=device)
    if channels_last and batch.ndim == 4:
        batch = batch.contiguous(memory_format=torch.channels_last)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=layout.startswith("bfloat16"))
    flops = _flops(network, model.train(training), batch, training)
    if training:
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)

        def step() -> None:
            with autocast:
                loss = network.forward(model, batch).float().mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    else:
        model.eval()

        def step() -> None:
            with torch.inference_mode(), autocast:
                network.forward(model, batch)
    return _rate(step, batch_size, seconds, device), flops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=1.5, help="timed seconds per measurement")
    parser.add_argument("--only", default="", help="comma-separated words a network's name must contain")
    args = parser.parse_args()

    from gans_fingerprints.devices import resolve_device

    device = resolve_device(args.device)
    peak = matmul_gflops(device)
    print(f"device {device}, {torch.get_num_threads()} threads; float32 matmul {peak:.0f} GFLOP/s (2048 x 2048, same run)\n")
    print(f"{'network':<38}{'loop':<11}{'layout':<24}{'batch':>6}{'images/s':>10}{'GFLOP/img':>11}{'GFLOP/s':>9}"
          f"{'of matmul':>11}{'vs fp32':>9}")
    words = [word for word in args.only.split(",") if word]
    for network in _networks():
        if words and not any(word.lower() in network.name.lower() for word in words):
            continue
        for training in (False, True) if network.trains else (False,):
            baseline = None
            runs = [(layout, network.batch) for layout in LAYOUTS]
            if not training and device.type == "cpu":  # small batches stay in cache (the Siamese's `auto`)
                runs.append((LAYOUTS[1], SMALL_BATCH))
            for layout, batch_size in runs:
                rate, flops = measure(network, layout, training, device, args.seconds, batch_size)
                baseline = baseline or rate
                achieved = rate * flops / 1e9
                print(f"{network.name:<38}{'training' if training else 'inference':<11}{layout:<24}{batch_size:>6}"
                      f"{rate:>10.1f}{flops / 1e9:>11.3f}{achieved:>9.1f}{achieved / peak:>11.1%}{rate / baseline:>8.2f}x",
                      flush=True)
    print("\ntraining FLOPs: forward and backward (the optimiser's few are not counted); share of matmul: achieved GFLOP/s "
          "over the float32 matmul rate (a bfloat16 row can pass 100% where the device has bfloat16 units).")


if __name__ == "__main__":
    main()
