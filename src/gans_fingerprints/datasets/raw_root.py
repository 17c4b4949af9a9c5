"""What the raw data root is on disk, so a typo in ``raw_data_root`` stops a run before it replaces anything."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError


@dataclass(frozen=True)
class RawDataRoot:
    """The raw data root: ``kind`` is ``folder``, ``file``, ``missing`` or ``broken_link``."""

    path: str
    kind: str
    entries: tuple[str, ...] = ()
    link_target: str | None = None


class RawDataRootDataset(AbstractDataset[None, RawDataRoot]):
    """Loads a :class:`RawDataRoot` describing ``path`` (never fails, never writes)."""

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = path
        self.metadata = metadata

    def load(self) -> RawDataRoot:
        path = Path(self._path)
        target = os.readlink(path) if path.is_symlink() else None
        if path.is_dir():
            return RawDataRoot(str(path), "folder", tuple(sorted(os.listdir(path))), target)
        if path.exists():
            return RawDataRoot(str(path), "file", (), target)
        return RawDataRoot(str(path), "broken_link" if target else "missing", (), target)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path}
