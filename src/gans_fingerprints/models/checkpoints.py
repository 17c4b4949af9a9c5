"""Per-epoch training checkpoints in one folder: the latest of each run (settings, data and length)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch

logger = logging.getLogger(__name__)


class CheckpointStore:
    """Saves and loads checkpoints atomically (write, then rename), one file per run.

    A checkpoint's ``state`` holds at least ``fingerprint`` (settings and data, the length left
    out), ``epoch`` (finished epochs) and ``epochs`` (the length of the run that saved it). Runs
    of other lengths or settings keep their own files, so a short trial run never overwrites the
    checkpoint of a long one.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _path(self, fingerprint: str, epochs: int) -> Path:
        return self.directory / f"{fingerprint}-{epochs}epochs.pt"

    def save(self, state: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(state["fingerprint"], state["epochs"])
        partial = path.with_name(path.name + ".partial")
        torch.save(state, partial)
        os.replace(partial, path)

    def _load(self, path: Path) -> dict[str, Any]:
        return torch.load(path, map_location="cpu", weights_only=True)

    def latest(self) -> dict[str, Any] | None:
        """The most recently saved checkpoint of any run, or ``None``."""
        paths = sorted(self.directory.glob("*.pt"), key=lambda p: p.stat().st_mtime_ns)
        return self._load(paths[-1]) if paths else None

    def resumable(self, fingerprint: str, epochs: int, what: str = "training") -> dict[str, Any] | None:
        """The furthest checkpoint that is a prefix of the run asked for, else ``None`` (train afresh).

        A prefix has the same ``fingerprint`` and at most ``epochs`` finished epochs; one with
        exactly ``epochs`` is a finished run, reused as it is. A longer run is never cut short and
        passed off as this one.
        """
        saved = [self._load(path) for path in sorted(self.directory.glob(f"{fingerprint}-*epochs.pt"))]
        prefixes = [state for state in saved if state["epoch"] <= epochs]
        if not prefixes:
            if saved:
                longest = max(state["epoch"] for state in saved)
                logger.warning(
                    "The saved %s checkpoint has %d epochs, more than the %d asked for; training from scratch "
                    "(that checkpoint is kept).", what, longest, epochs,
                )
            elif any(self.directory.glob("*.pt")):
                logger.info("No saved %s checkpoint has these settings and data; training from scratch.", what)
            return None
        best = max(prefixes, key=lambda state: state["epoch"])
        if best["epoch"] == epochs:
            logger.info("Reusing the finished %s of %d epochs with exactly these settings and data.", what, epochs)
        else:
            logger.info("Resuming %s after epoch %d of %d.", what, best["epoch"], epochs)
        return best
