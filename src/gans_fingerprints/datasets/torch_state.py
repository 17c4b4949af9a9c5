"""PyTorch state dicts (or dicts of them) saved with ``torch.save``; supports Kedro versioning."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io.core import AbstractVersionedDataset, Version, get_filepath_str, get_protocol_and_path


class TorchStateDataset(AbstractVersionedDataset[dict[str, Any], dict[str, Any]]):
    """Saves a (nested) dict of tensors and plain values; loads it on the CPU, tensors only (no pickled code)."""

    def __init__(self, *, filepath: str, version: Version | None = None, metadata: dict[str, Any] | None = None) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol)
        self.metadata = metadata
        super().__init__(filepath=PurePosixPath(path), version=version, exists_function=self._fs.exists, glob_function=self._fs.glob)

    def load(self) -> dict[str, Any]:
        import torch  # noqa: PLC0415 - only runs that use models pay for importing torch

        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, "rb") as handle:
            return torch.load(handle, map_location="cpu", weights_only=True)

    def save(self, data: dict[str, Any]) -> None:
        import torch  # noqa: PLC0415

        path = get_filepath_str(self._get_save_path(), self._protocol)
        self._fs.makedirs(str(PurePosixPath(path).parent), exist_ok=True)
        with self._fs.open(path, "wb") as handle:
            torch.save(data, handle)
        self._invalidate_cache()

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except Exception:  # noqa: BLE001 - no version saved yet
            return False
        return self._fs.exists(path)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}

    def _invalidate_cache(self) -> None:
        self._fs.invalidate_cache(str(self._filepath))
