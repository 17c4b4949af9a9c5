"""Decoding one image file into its slot of a stack spool, in this or a worker process. Imports numpy, Pillow and
Kedro's error type only (not pandas), so a worker process of a large ingestion starts in a fraction of a second;
and :class:`FileLoader`, the picklable "decode this file" an image folder lists for each file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from kedro.io import DatasetError
from PIL import Image, UnidentifiedImageError

from gans_fingerprints.imaging import UnsupportedImageModeError, content_hash, resize_square, to_grayscale_array
from gans_fingerprints.stack_spool import write_slot

DECODE_ERRORS = (
    DatasetError,  # what Kedro's pillow dataset wraps any decoding failure in
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
    UnsupportedImageModeError,
)
OBJECT_REPR = re.compile(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>")
"""``<_io.BytesIO object at 0x7f...>`` in Pillow's messages: noise in a report, different every run."""


@dataclass(frozen=True)
class FileLoader:
    """Decodes one file through a Kedro dataset (``pillow.ImageDataset`` by default) built only when called: listing
    35,000 files costs no dataset objects, and a worker process builds the ones it decodes."""

    dataset_type: type
    arguments: dict[str, Any]

    def __call__(self) -> Image.Image:
        return self.dataset_type(**self.arguments).load()


def decode_into_slot(item: tuple[int, Callable[[], Image.Image]], spool_path: str, size: int) -> tuple[tuple | None, str | None]:
    """Decode one file ``(slot, loader)`` into its slot of the spool file: ``((width, height, mode, content hash),
    None)``, or ``(None, reason)`` when it cannot be read. Runs in a worker process for a large split."""
    slot, loader = item
    try:
        pixels, width, height, mode = _decode(loader)
    except DECODE_ERRORS as error:
        return None, failure_reason(error)
    write_slot(spool_path, size, slot, resize_square(pixels, size))
    return (width, height, mode, content_hash(pixels)), None


def _decode(loader: Callable[[], Image.Image]) -> tuple[np.ndarray, int, int, str]:
    """Decode one file into native-size grayscale plus its original width, height and mode."""
    with loader() as image:
        width, height = image.size
        mode = image.mode
        return to_grayscale_array(image), width, height, mode


def failure_reason(error: BaseException) -> str:
    """The root cause of a decoding failure, without Kedro's wrapping or Python object addresses."""
    while isinstance(error, DatasetError) and error.__cause__ is not None:
        error = error.__cause__
    reason = f"{type(error).__name__}: {error}".replace("\n", " ")
    return OBJECT_REPR.sub("", reason).strip()
