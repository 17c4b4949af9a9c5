"""Shipped benchmark generator weights: one folder per profile, each with its provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from gans_fingerprints.benchmark.weights import PROVENANCE, read_weights
from gans_fingerprints.errors import UserInputError


class ShippedWeightsError(UserInputError, DatasetError):
    """A shipped weight file does not match its provenance; the message names it and the fix."""


class ShippedWeights(Mapping[str, dict[str, Any]]):
    """``profile → {"folder", "provenance", "provenance_sha256", "states"}``, one entry per folder
    holding a ``provenance.json``. A profile's files are read (and their hashes checked) only when
    that profile is asked for, so a damaged folder of one profile stops only the builds that read it
    (its own, and a profile whose provenance points at its files, as ``demo_generalising`` at ``demo``'s)."""

    def __init__(self, root: Path) -> None:
        self._folders = {provenance.parent.name: provenance.parent for provenance in sorted(root.glob(f"*/{PROVENANCE}"))}
        self._read: dict[str, dict[str, Any]] = {}

    def __getitem__(self, profile: str) -> dict[str, Any]:
        if profile not in self._read:
            folder = self._folders[profile]
            try:
                weights = read_weights(folder)
            except UserInputError as error:
                raise ShippedWeightsError(str(error)) from None
            self._read[profile] = {**weights, "provenance_sha256": hashlib.sha256((folder / PROVENANCE).read_bytes()).hexdigest()}
        return self._read[profile]

    def __iter__(self) -> Iterator[str]:
        return iter(self._folders)

    def __len__(self) -> int:
        return len(self._folders)


class GeneratorWeightsDataset(AbstractDataset[None, ShippedWeights]):
    """Loads the :class:`ShippedWeights` under ``<path>/<profile>/provenance.json``; read-only
    (``make benchmark-weights`` writes the folders)."""

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._root = Path(path)
        self.metadata = metadata

    def load(self) -> ShippedWeights:
        return ShippedWeights(self._root)

    def save(self, data: None) -> None:  # noqa: ARG002 - read-only
        raise DatasetError(f"{type(self).__name__} is read-only: `make benchmark-weights` writes {self._root}/<profile>/")

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
