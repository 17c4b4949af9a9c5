"""A folder of training checkpoints, handed to the training node as a store object."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError


class CheckpointDirectoryDataset(AbstractDataset[None, Any]):
    """Loads a :class:`~gans_fingerprints.models.checkpoints.CheckpointStore` bound to ``path``.

    The training node saves a checkpoint each epoch through it and resumes from it, without
    knowing where the folder is. Nothing is saved through the dataset itself.
    """

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = path
        self.metadata = metadata

    def load(self) -> Any:
        from gans_fingerprints.models.checkpoints import CheckpointStore  # noqa: PLC0415 - torch only when used

        return CheckpointStore(self._path)

    def save(self, data: Any) -> None:  # noqa: ARG002 - read-only: nothing is saved
        raise DatasetError("CheckpointDirectoryDataset is written by the training node, not saved to")

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path}
