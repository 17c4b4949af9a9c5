"""A stack of same-size ``uint8`` grayscale images in one ``.npy`` file, memory-mapped on load."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError


class ImageStackDataset(AbstractDataset[np.ndarray, np.ndarray]):
    """Saves an ``(n, height, width)`` ``uint8`` array; loads it read-only and memory-mapped.

    Loading maps the file instead of reading it, so a later pipeline touches only the pages it
    uses and never holds a decoded or floating-point copy of a whole split. Saving writes to a
    temporary file and renames it, so an interrupted run never leaves a half-written stack.
    """

    def __init__(self, *, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> np.ndarray:
        if not self._filepath.exists():
            missing = FileNotFoundError(str(self._filepath))
            raise DatasetError(f"Image stack {self._filepath} does not exist: run the 'ingestion' pipeline first.") from missing
        stack = np.load(self._filepath, mmap_mode="r", allow_pickle=False)
        if stack.dtype != np.uint8 or stack.ndim != 3:
            raise DatasetError(f"{self._filepath} holds {stack.dtype} {stack.shape}, not a uint8 (n, h, w) stack")
        return stack

    def save(self, data: np.ndarray) -> None:
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 3:
            shape = getattr(data, "shape", None)
            raise DatasetError(f"ImageStackDataset takes a uint8 (n, h, w) array, got {type(data).__name__} {shape}")
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        partial = self._filepath.with_name(self._filepath.name + ".partial")
        with partial.open("wb") as handle:
            np.save(handle, np.ascontiguousarray(data), allow_pickle=False)
        os.replace(partial, self._filepath)

    def _exists(self) -> bool:
        return self._filepath.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
