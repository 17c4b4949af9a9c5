"""Building a ``.npy`` stack of ``uint8`` images image by image, from this or other processes, without holding it
in memory (:class:`StackSpool`); and releasing a memory-mapped array's pages. Imports numpy only, so a decoding
worker process starts fast."""

from __future__ import annotations

import mmap
import os
import struct
import tempfile
import weakref
from pathlib import Path
from typing import Any

import numpy as np

SPOOL_PREFIX = "gans_fingerprints-stack-"
HEADER_BYTES = 128
"""Length of a spooled ``.npy`` header: fixed, so the final image count can be written over the first guess."""
_SPOOLED: dict[str, tuple[str, tuple[int, ...], int]] = {}
"""Spool files whose read-only map a node returned, by the map's file name: (path, shape, address of the map);
:meth:`ImageStackDataset.save` moves such a file when it is given that whole map."""


def npy_header(count: int, height: int, width: int) -> bytes:
    """A version-1.0 ``.npy`` header for a C-ordered ``uint8`` (count, height, width) array, ``HEADER_BYTES`` long."""
    text = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({count}, {height}, {width}), }}"
    body = text.ljust(HEADER_BYTES - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body.encode("latin1")


def release_pages(data: np.ndarray) -> None:
    """Drop a memory-mapped array's pages from this process (the file keeps them; a later read maps them back),
    so reading a whole stack once does not leave it counted in this process's memory. No-op for other arrays."""
    mapping = getattr(data, "_mmap", None)
    if getattr(data, "mode", None) != "r":  # a writable or copy-on-write map would lose what was written to it
        return
    if isinstance(mapping, mmap.mmap) and hasattr(mapping, "madvise"):
        try:
            mapping.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):  # a closed map, or a platform without the advice
            pass


def write_slot(path: str, size: int, slot: int, pixels: np.ndarray) -> None:
    """Write one ``size`` x ``size`` image into slot ``slot`` of a spool file (any process may call this)."""
    descriptor = os.open(path, os.O_WRONLY)
    try:
        write_at(descriptor, np.ascontiguousarray(pixels, dtype=np.uint8).tobytes(), HEADER_BYTES + slot * size * size)
    finally:
        os.close(descriptor)


def write_at(descriptor: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset`` (``os.pwrite`` may write less, on a full disk say: then it raises)."""
    view = memoryview(data)
    while view:
        written = os.pwrite(descriptor, view, offset)
        if written <= 0:
            raise OSError(f"could not write {len(view)} bytes at offset {offset}")
        view, offset = view[written:], offset + written


class StackSpool:
    """A ``.npy`` file of ``capacity`` image slots in a temporary folder, written a slot at a time by this or
    other processes (:func:`write_slot`), so a split of any size is never held in memory.

    :meth:`finish` keeps the slots given (in order, closing the gaps unreadable files left), writes the final
    header and returns the stack as a read-only memory map; saving that through :class:`ImageStackDataset` moves
    the file into place. The file is deleted when the map is garbage-collected, or at exit, if it was not moved.
    """

    def __init__(self, capacity: int, size: int, directory: str | None = None) -> None:
        self.size = size
        if directory is not None:
            Path(directory).mkdir(parents=True, exist_ok=True)
        descriptor, path = tempfile.mkstemp(prefix=SPOOL_PREFIX, suffix=".npy", dir=directory)
        self.path = os.path.abspath(path)  # clean-up must not depend on a later working directory
        try:
            os.fchmod(descriptor, 0o666 & ~_umask())  # as a file written the usual way: readable by the group
            os.write(descriptor, npy_header(capacity, size, size))
            os.ftruncate(descriptor, HEADER_BYTES + capacity * size * size)  # sparse: no disk used until written
        finally:
            os.close(descriptor)
        self._finalizer = weakref.finalize(self, _remove, self.path)

    def write(self, slot: int, pixels: np.ndarray) -> None:
        write_slot(self.path, self.size, slot, pixels)

    def finish(self, kept: list[int]) -> np.ndarray:
        """The stack of the ``kept`` slots, in that (increasing) order, as a read-only map of the spool file."""
        image_bytes = self.size * self.size
        descriptor = os.open(self.path, os.O_RDWR)
        try:
            for index, slot in enumerate(kept):
                if slot != index:  # slots only move down (kept is increasing), so nothing is overwritten unread
                    pixels = os.pread(descriptor, image_bytes, HEADER_BYTES + slot * image_bytes)
                    write_at(descriptor, pixels, HEADER_BYTES + index * image_bytes)
            os.ftruncate(descriptor, HEADER_BYTES + len(kept) * image_bytes)
            write_at(descriptor, npy_header(len(kept), self.size, self.size), 0)
        finally:
            os.close(descriptor)
        if not kept:  # numpy cannot map an empty file region
            self._finalizer()
            return np.zeros((0, self.size, self.size), dtype=np.uint8)
        stack = np.load(self.path, mmap_mode="r", allow_pickle=False)
        self._finalizer.detach()
        _SPOOLED[stack.filename] = (self.path, stack.shape, stack.ctypes.data)
        weakref.finalize(stack, _forget, stack.filename, self.path)  # removed unless a save moved it first
        return stack

    def discard(self) -> None:
        """Delete the spool file now (a failed decoding)."""
        self._finalizer()


def spool_of(data: Any) -> str | None:
    """The spool file ``data`` maps whole (not a slice of it), once: a second save of it writes a copy."""
    key = getattr(data, "filename", None) or ""
    entry = _SPOOLED.get(key)
    if entry is None or (data.shape, data.ctypes.data) != entry[1:] or not Path(entry[0]).exists():
        return None
    return entry[0] if _SPOOLED.pop(key, None) is not None else None


def remove_stale_spools(directory: str) -> int:
    """Delete the spool files a killed run left in ``directory``; how many. Call it only before any split of this
    run is decoded, and only on a folder of this project's (the project lock keeps other runs out of it)."""
    folder = Path(directory)
    stale = list(folder.glob(f"{SPOOL_PREFIX}*.npy")) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    Path(path).unlink(missing_ok=True)


def _forget(filename: str, path: str) -> None:
    _SPOOLED.pop(filename, None)
    _remove(path)
