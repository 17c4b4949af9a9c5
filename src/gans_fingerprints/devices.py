"""Choosing the torch device from a ``device`` parameter, and torch's CPU threads from the cores this process has."""

from __future__ import annotations

import logging

import torch

from gans_fingerprints.cores import CGROUP_CPU_MAX, available_cores, cpu_budget

__all__ = [
    "CGROUP_CPU_MAX", "PRECISIONS", "TORCH_DEFAULT_THREADS", "autocast", "available_cores", "channels_last", "configure_threads",
    "cpu_budget", "has_bfloat16_units", "resolve_device",
]

logger = logging.getLogger(__name__)

TORCH_DEFAULT_THREADS = torch.get_num_threads()
"""torch's own choice when this module is imported: one thread per physical core (or ``OMP_NUM_THREADS``);
``auto`` never goes above it (hardware threads of one core slow compute-bound work)."""


def configure_threads(threads: int | str = "auto") -> int:
    """Set torch's intra-op CPU threads and return the count. ``auto``: :func:`cpu_budget`, at most torch's own
    default (:data:`TORCH_DEFAULT_THREADS`)."""
    if threads in ("auto", None):
        count = min(cpu_budget(), TORCH_DEFAULT_THREADS)
    else:
        count = int(threads)
    if count < 1:
        from gans_fingerprints.errors import UserInputError  # noqa: PLC0415 - only on this error path

        raise UserInputError(f"threads must be 'auto' or a positive integer, got {threads!r}")
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` → CUDA when available, else CPU; anything else is passed to ``torch.device``. On the CPU, torch's
    threads are set to the cores this process has (:func:`configure_threads`)."""
    if name == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            from gans_fingerprints.errors import UserInputError  # noqa: PLC0415 - only on this error path

            raise UserInputError(f"device '{name}' was asked for but no CUDA device is available; use device: auto or cpu")
    threads = configure_threads()
    logger.info("Using torch device %s (%d CPU threads: the cores available to this process)", device, threads)
    return device


def channels_last(model: torch.nn.Module, on_cpu: bool = True) -> torch.nn.Module:
    """``model`` (changed in place) with its convolution weights laid out channels-last, so activations follow.

    Measured by ``benchmarks/loop_speed.py`` on 2 CPU cores, float32 at the same batch: 1.1-2.2x faster for every
    network here (the Siamese branch 2.2x in inference, 1.6x in training), while bfloat16 autocast was 0.4-1.4x
    (no bfloat16 units), so the loops stay float32. It is also the layout GPUs' tensor cores use.
    ``on_cpu=False`` keeps the default layout on a CPU: there, channels-last kernels split the work by thread
    count, so 1 and 2 threads differ in the last bits, and a model trained over many steps drifts further.
    The benchmark's generators use it, so their images are the same on any runner and core count.
    """
    parameter = next(model.parameters(), None)
    if not on_cpu and (parameter is None or parameter.device.type == "cpu"):
        return model
    return model.to(memory_format=torch.channels_last)


PRECISIONS = ("auto", "float32", "bfloat16")


def has_bfloat16_units(device: torch.device) -> bool:
    """Whether this CUDA device computes bfloat16 natively (compute capability 8.0, Ampere, or later); torch's
    ``is_bf16_supported`` also says yes where bfloat16 is emulated, and slow (T4, V100)."""
    return torch.cuda.get_device_capability(device) >= (8, 0)


def autocast(device: torch.device, precision: str = "auto") -> torch.autocast:
    """The autocast context of a forward pass: ``bfloat16`` on, ``float32`` off, ``auto`` on for a CUDA device that
    supports bfloat16 and off on a CPU, where ``benchmarks/loop_speed.py`` measured it at 0.4-1.4x of float32 (no
    bfloat16 units on the CPUs measured). Losses and outputs the caller keeps are cast back to float32."""
    if precision not in PRECISIONS:
        from gans_fingerprints.errors import UserInputError  # noqa: PLC0415 - only on this error path

        raise UserInputError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    enabled = precision == "bfloat16" or (precision == "auto" and device.type == "cuda" and has_bfloat16_units(device))
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled)
