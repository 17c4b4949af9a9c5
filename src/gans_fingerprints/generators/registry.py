"""The generator-family registry: a name, its settings (a dataclass), and how it trains and samples.

A family is one module in ``gans_fingerprints/generators/families/`` that registers a class with
:func:`register_family`. A benchmark profile picks a family per subtask and gives its settings in one
YAML block: ``benchmark.profiles.<profile>.generators.<subtask1|subtask2>: {family: <name>, ...}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gans_fingerprints.errors import UserInputError


class Family(Protocol):
    """What a family module registers: its settings dataclass, training and sampling (torch inside).
    ``SAMPLING_OPTIONS`` (optional) name settings that only sampling reads: weights trained with
    other values of them still serve."""

    Config: type

    @staticmethod
    def train(images: np.ndarray, config: Any, device: Any, seed: int, name: str) -> tuple[dict[str, Any], pd.DataFrame]:
        """Weights (a state dict) and a loss history with a ``step`` column."""

    @staticmethod
    def sample(state: dict[str, Any], config: Any, count: int, device: Any, seed: int) -> np.ndarray:
        """``count`` uint8 images (count, size, size) from the weights."""


LOGGING_OPTIONS = ("log_every",)
"""Settings every family may take that change only the loss history's resolution, never the weights."""


@dataclass(frozen=True)
class GeneratorFamily:
    name: str
    implementation: Family

    def options(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self.implementation.Config) if f.name != "image_size"]

    def training_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` without the settings that leave the weights alone: those only sampling reads,
        and how often training logs its losses."""
        ignored = {*getattr(self.implementation, "SAMPLING_OPTIONS", ()), *LOGGING_OPTIONS}
        return {key: value for key, value in options.items() if key not in ignored}

    def config(self, options: dict[str, Any] | None, image_size: int, where: str) -> Any:
        """The family's settings from its YAML block (``image_size`` comes from the profile)."""
        options = dict(options or {})
        unknown = sorted(set(options) - set(self.options()))
        if unknown:
            raise UserInputError(f"{where} has unknown setting(s) {unknown}; the {self.name} family takes {self.options()}.")
        return self.implementation.Config(image_size=image_size, **options)


FAMILIES: dict[str, GeneratorFamily] = {}


def register_family(name: str) -> Callable[[type], type]:
    """Class decorator that adds a family to :data:`FAMILIES` under ``name``."""

    def register(implementation: type) -> type:
        known = FAMILIES.get(name)
        if known is not None and (known.implementation.__module__, known.implementation.__qualname__) != (
            implementation.__module__, implementation.__qualname__):
            raise ValueError(f"generator family {name!r} is registered twice")
        FAMILIES[name] = GeneratorFamily(name, implementation)  # type: ignore[arg-type]
        return implementation

    return register


def registered_families() -> dict[str, GeneratorFamily]:
    """Every family: the modules of ``generators/families/`` are imported (and so registered) first."""
    import gans_fingerprints.generators.families  # noqa: F401, PLC0415 - importing registers them

    return dict(FAMILIES)


def family(name: str, where: str) -> GeneratorFamily:
    families = registered_families()
    if name not in families:
        raise UserInputError(f"{where} names no registered generator family {name!r}; the families are {sorted(families)}.")
    return families[name]
