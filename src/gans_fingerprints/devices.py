"""Choosing the torch device from a ``device`` parameter, and torch's CPU threads from the cores this process has."""

from __future__ import annotations

import contextlib
import logging
import math
import os
from pathlib import Path

import torch

logger = logging.getLogger(__name__)

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
"""cgroup v2's CPU quota (``<quota> <period>`` or ``max <period>``): a container's share of the machine."""


def available_cores(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """Cores this process may run on: its CPU affinity, capped by a container's CPU quota.

    ``os.cpu_count()`` counts the machine's cores; a process pinned to fewer (``taskset``, a batch
    scheduler) or a container limited to fewer that starts one torch thread per machine core has its
    threads stall each other.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.floor(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


TORCH_DEFAULT_THREADS = torch.get_num_threads()
"""torch's own choice when this module is imported: one thread per physical core (or ``OMP_NUM_THREADS``);
``auto`` never goes above it (hardware threads of one core slow compute-bound work)."""


def cpu_budget() -> int:
    """Cores this process should keep busy: :func:`available_cores`, or ``OMP_NUM_THREADS`` when set lower (a Dask
    worker gets 1: the machine's cores are shared among the workers; a shared machine's user may set 1)."""
    count = available_cores()
    with contextlib.suppress(KeyError, ValueError):
        count = min(count, max(1, int(os.environ["OMP_NUM_THREADS"])))
    return count


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
