"""Per-epoch training checkpoints in one folder (only the latest is kept)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_NAME = "latest.pt"


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

    def clear(self) -> None:
        (self.directory / CHECKPOINT_NAME).unlink(missing_ok=True)
