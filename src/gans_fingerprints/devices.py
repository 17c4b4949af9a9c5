"""Choosing the torch device from a ``device`` parameter."""

from __future__ import annotations

import logging

import torch

logger = logging.getLogger(__name__)


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` → CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if name == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            from gans_fingerprints.errors import UserInputError  # noqa: PLC0415 - only on this error path

            raise UserInputError(f"device '{name}' was asked for but no CUDA device is available; use device: auto or cpu")
    logger.info("Using torch device %s", device)
    return device
