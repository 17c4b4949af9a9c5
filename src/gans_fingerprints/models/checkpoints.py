"""Per-epoch training checkpoints in one folder: the latest of each run (settings, data and length)."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

import fsspec
import torch
from fsspec.core import split_protocol

logger = logging.getLogger(__name__)


class CheckpointStore:
    """Saves and loads checkpoints atomically (write, then rename), one file per run.

    A checkpoint's ``state`` holds at least ``fingerprint`` (settings and data, the length left
    out), ``epoch`` (finished epochs) and ``epochs`` (the length of the run that saved it). Runs
    of other lengths or settings keep their own files, so a short trial run never overwrites the
    checkpoint of a long one. ``directory`` may be any fsspec URL (``s3://bucket/checkpoints``).
    """

    def __init__(self, directory: str | Path) -> None:
        protocol, path = split_protocol(str(directory))
        self.protocol = protocol or "file"
        self.fs = fsspec.filesystem(self.protocol)
        self.directory = path.rstrip("/")

    def _path(self, fingerprint: str, epochs: int) -> str:
        return f"{self.directory}/{fingerprint}-{epochs}epochs.pt"

    def _glob(self, pattern: str) -> list[str]:
        return sorted(self.fs.glob(f"{self.directory}/{pattern}"))

    def save(self, state: dict[str, Any]) -> None:
        path = self._path(state["fingerprint"], state["epochs"])
        if self.protocol != "file":  # an object store shows a written object whole, on close
            with self.fs.open(path, "wb") as handle:
                torch.save(state, handle)
            return
        Path(self.directory).mkdir(parents=True, exist_ok=True)
        partial = path + ".partial"
        torch.save(state, partial)
        os.replace(partial, path)

    def _load(self, path: str) -> dict[str, Any]:
        with self.fs.open(path, "rb") as handle:
            return torch.load(io.BytesIO(handle.read()), map_location="cpu", weights_only=True)

    def latest(self) -> dict[str, Any] | None:
        """The most recently saved checkpoint of any run, or ``None``."""
        paths = sorted(self._glob("*.pt"), key=self.fs.modified)
        return self._load(paths[-1]) if paths else None

    def resumable(self, fingerprint: str, epochs: int, what: str = "training") -> dict[str, Any] | None:
        """The furthest checkpoint that is a prefix of the run asked for, else ``None`` (train afresh).

        A prefix has the same ``fingerprint`` and at most ``epochs`` finished epochs; one with
        exactly ``epochs`` is a finished run, reused as it is. A longer run is never cut short and
        passed off as this one.
        """
        saved = [self._load(path) for path in self._glob(f"{fingerprint}-*epochs.pt")]
        prefixes = [state for state in saved if state["epoch"] <= epochs]
        if not prefixes:
            if saved:
                longest = max(state["epoch"] for state in saved)
                logger.warning(
                    "The saved %s checkpoint has %d epochs, more than the %d asked for; training from scratch "
                    "(that checkpoint is kept).", what, longest, epochs,
                )
            elif self._glob("*.pt"):
                logger.info("No saved %s checkpoint has these settings and data; training from scratch.", what)
            return None
        best = max(prefixes, key=lambda state: state["epoch"])
        if best["epoch"] == epochs:
            logger.info("Reusing the finished %s of %d epochs with exactly these settings and data.", what, epochs)
        else:
            logger.info("Resuming %s after epoch %d of %d.", what, best["epoch"], epochs)
        return best
