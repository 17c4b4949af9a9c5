"""Per-epoch training checkpoints in one folder (only the latest is kept)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_NAME = "latest.pt"
logger = logging.getLogger(__name__)


class CheckpointStore:
    """Saves and loads the latest checkpoint atomically (write, then rename)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def save(self, state: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / (CHECKPOINT_NAME + ".partial")
        torch.save(state, partial)
        os.replace(partial, self.directory / CHECKPOINT_NAME)

    def latest(self) -> dict[str, Any] | None:
        path = self.directory / CHECKPOINT_NAME
        return torch.load(path, map_location="cpu", weights_only=True) if path.exists() else None

    def resumable(self, fingerprint: str, epochs: int, what: str = "training") -> dict[str, Any] | None:
        """The latest checkpoint if it is a prefix of the run asked for, else ``None`` (train afresh).

        A prefix has the same ``fingerprint`` (settings and data, the length left out) and at most
        ``epochs`` finished epochs; one with exactly ``epochs`` is a finished run, reused as it is.
        A longer run is never cut short and passed off as this one.
        """
        saved = self.latest()
        if saved is None:
            return None
        if saved.get("fingerprint") != fingerprint:
            logger.warning("The saved %s checkpoint was made with other settings or data; training from scratch.", what)
            return None
        if saved["epoch"] > epochs:
            logger.warning(
                "The saved %s checkpoint has %d epochs, more than the %d asked for; training from scratch.",
                what, saved["epoch"], epochs,
            )
            return None
        if saved["epoch"] == epochs:
            logger.info("Reusing the finished %s of %d epochs with exactly these settings and data.", what, epochs)
        else:
            logger.info("Resuming %s after epoch %d of %d.", what, saved["epoch"], epochs)
        return saved
