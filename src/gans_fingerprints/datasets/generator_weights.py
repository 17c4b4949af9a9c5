"""Shipped benchmark generator weights: one folder per profile, each with its provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from gans_fingerprints.benchmark.weights import PROVENANCE, read_weights
from gans_fingerprints.errors import UserInputError


class ShippedWeightsError(UserInputError, DatasetError):
    """A shipped weight file does not match its provenance; the message names it and the fix."""


class GeneratorWeightsDataset(AbstractDataset[None, dict[str, Any]]):
    """Loads ``{profile: {"folder", "provenance", "provenance_sha256", "states"}}`` for every
    ``<path>/<profile>/provenance.json``; read-only (``make benchmark-weights`` writes the folders)."""

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._root = Path(path)
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        found = {}
        for provenance in sorted(self._root.glob(f"*/{PROVENANCE}")):
            try:
                weights = read_weights(provenance.parent)
            except UserInputError as error:
                raise ShippedWeightsError(str(error)) from None
            found[provenance.parent.name] = {**weights, "provenance_sha256": hashlib.sha256(provenance.read_bytes()).hexdigest()}
        return found

    def save(self, data: None) -> None:  # noqa: ARG002 - read-only
        raise DatasetError(f"{type(self).__name__} is read-only: `make benchmark-weights` writes {self._root}/<profile>/")

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
