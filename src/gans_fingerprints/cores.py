"""The CPU cores this process may use, without importing torch (ingestion and the Dask runner need the
count; importing torch for it would cost a process about half a gigabyte)."""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

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


def cpu_budget() -> int:
    """Cores this process should keep busy: :func:`available_cores`, or ``OMP_NUM_THREADS`` when set lower (a Dask
    worker gets 1: the machine's cores are shared among the workers; a shared machine's user may set 1)."""
    count = available_cores()
    with contextlib.suppress(KeyError, ValueError):
        count = min(count, max(1, int(os.environ["OMP_NUM_THREADS"])))
    return count
