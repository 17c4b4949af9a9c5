"""What the raw data root is on disk, so a typo in ``raw_data_root`` stops a run before it replaces anything."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError


@dataclass(frozen=True)
class RawDataRoot:
    """The raw data root: ``kind`` is ``folder``, ``file``, ``missing``, ``broken_link`` or ``unreadable``.

    ``entries`` maps each name in the folder to its own kind (``folder``, ``file``, ``broken_link``),
    and ``links`` each link among them (the root included, under ``""``) to its target.
    """

    path: str
    kind: str
    entries: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    reason: str = ""


def _kind(path: Path) -> str:
    if path.is_dir():
        return "folder"
    if path.exists():
        return "file"
    return "broken_link" if path.is_symlink() else "missing"


class RawDataRootDataset(AbstractDataset[None, RawDataRoot]):
    """Loads a :class:`RawDataRoot` describing ``path`` (never fails, never writes)."""

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = path
        self.metadata = metadata

    def load(self) -> RawDataRoot:
        path = Path(self._path)
        kind = _kind(path)
        links = {"": os.readlink(path)} if path.is_symlink() else {}
        if kind != "folder":
            return RawDataRoot(str(path), kind, links=links)
        try:
            names = sorted(os.listdir(path))
        except OSError as error:
            return RawDataRoot(str(path), "unreadable", links=links, reason=error.strerror or str(error))
        entries = {name: _kind(path / name) for name in names}
        links.update({name: os.readlink(path / name) for name in names if (path / name).is_symlink()})
        return RawDataRoot(str(path), "folder", entries, links)

    def save(self, data: None) -> None:  # noqa: ARG002 - read-only: nothing is saved
        raise DatasetError(f"{type(self).__name__} is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path}
