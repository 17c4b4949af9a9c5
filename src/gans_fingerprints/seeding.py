"""Random generators named by what they are for, so that adding one use never shifts another's draws."""

from __future__ import annotations

import zlib

import numpy as np


def purpose_rng(seed: int, purpose: str) -> np.random.Generator:
    """A generator that depends only on the seed and what it is for (stable across runs and counts)."""
    return np.random.default_rng([int(seed), zlib.crc32(purpose.encode())])
