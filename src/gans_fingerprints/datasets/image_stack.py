"""A stack of same-size ``uint8`` grayscale images in one ``.npy`` file, memory-mapped on load."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import fsspec
import numpy as np
from fsspec.core import split_protocol
from kedro.io import AbstractDataset, DatasetError

from gans_fingerprints.stack_spool import release_pages, spool_of

BLOCK_BYTES = 64 * 2**20
"""Bytes of a stack written or read at a time, so a memory-mapped stack is never resident whole."""


class ImageStackDataset(AbstractDataset[np.ndarray, np.ndarray]):
    """Saves an ``(n, height, width)`` ``uint8`` array; loads it read-only and memory-mapped.

    Loading maps the file instead of reading it, so a later pipeline touches only the pages it
    uses and never holds a decoded or floating-point copy of a whole split. Saving writes to a
    temporary file and renames it, so an interrupted run never leaves a half-written stack.
    ``filepath`` may be any fsspec URL (``s3://bucket/stack.npy``, as kedro-datasets take): off the
    local disk the stack is read into memory (nothing to map). A stack is written a block at a time; one
    a node built in a :class:`~gans_fingerprints.stack_spool.StackSpool` is moved into place, not copied.
    """

    def __init__(self, *, filepath: str, fs_args: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> None:
        protocol, path = split_protocol(filepath)
        protocol = protocol or "file"
        self._protocol, self._path = protocol, path
        self._fs = fsspec.filesystem(protocol, **(fs_args or {}))
        self._filepath = Path(path) if protocol == "file" else PurePosixPath(path)
        self.metadata = metadata

    @property
    def _local(self) -> bool:
        return self._protocol == "file"

    def _url(self) -> str:
        return str(self._filepath) if self._local else f"{self._protocol}://{self._path}"

    def load(self) -> np.ndarray:
        if not self._exists():
            missing = FileNotFoundError(self._url())
            raise DatasetError(f"Image stack {self._url()} does not exist: run the 'ingestion' pipeline first.") from missing
        if self._local:
            stack = np.load(self._filepath, mmap_mode="r", allow_pickle=False)
        else:
            with self._fs.open(self._path, "rb") as handle:
                stack = np.load(io.BytesIO(handle.read()), allow_pickle=False)
        if stack.dtype != np.uint8 or stack.ndim != 3:
            raise DatasetError(f"{self._url()} holds {stack.dtype} {stack.shape}, not a uint8 (n, h, w) stack")
        return stack

    def save(self, data: np.ndarray) -> None:
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 3:
            shape = getattr(data, "shape", None)
            raise DatasetError(f"ImageStackDataset takes a uint8 (n, h, w) array, got {type(data).__name__} {shape}")
        if not self._local:  # object stores make a written object visible whole, on close
            with self._fs.open(self._path, "wb") as handle:
                write_npy(handle, data)
            return
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        partial = self._filepath.with_name(self._filepath.name + ".partial")
        spooled = spool_of(data)
        if spooled is not None:  # the whole of a spool's file becomes the stack: moved, not copied
            shutil.move(spooled, partial)
        else:
            with partial.open("wb") as handle:
                write_npy(handle, data)
        os.replace(partial, self._filepath)

    def _exists(self) -> bool:
        return self._filepath.exists() if self._local else self._fs.exists(self._path)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._url()}


def write_npy(handle: Any, data: np.ndarray) -> None:
    """Write ``data`` as ``.npy`` a block of images at a time, releasing a memory-mapped source's pages as it goes."""
    header = {"descr": np.lib.format.dtype_to_descr(data.dtype), "fortran_order": False, "shape": data.shape}
    np.lib.format.write_array_header_1_0(handle, header)
    per_block = max(1, BLOCK_BYTES // max(1, data[0].nbytes)) if len(data) else 1
    for start in range(0, len(data), per_block):
        handle.write(np.ascontiguousarray(data[start:start + per_block]).data)
        release_pages(data)
