"""Where ingestion spools the stacks it is writing: a folder the catalog names, so it sits beside the stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError


class SpoolFolderDataset(AbstractDataset[None, str]):
    """Loads the absolute path of ``path`` (a relative catalog path is the project's, as Kedro makes it). The folder
    is made when a spool is first written there; nothing is read or saved through this dataset."""

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = path
        self.metadata = metadata

    def load(self) -> str:
        return str(Path(self._path).absolute())

    def save(self, data: None) -> None:  # noqa: ARG002 - read-only: nothing is saved
        raise DatasetError(f"{type(self).__name__} is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path}
