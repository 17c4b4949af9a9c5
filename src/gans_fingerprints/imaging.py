"""Conversion of decoded images to the project's one pixel format: 8-bit grayscale, square.

The rule (also in the README, section "Image conversion rule"):

* ``L`` (8-bit grayscale) is kept as it is; ``1`` (bilevel) becomes 0/255.
* ``RGB`` and other colour modes (``CMYK``, ``YCbCr``, ...) become luma
  ``L = 0.299 R + 0.587 G + 0.114 B`` (ITU-R 601-2, Pillow's ``convert("L")``).
* Alpha (``RGBA``, ``LA``, ``PA``) is composited over black, the colour of air in a CT slice.
* Palette images (``P``) are expanded through their palette first, then follow the rules above.
* 16-bit images (``I;16*``, and ``I`` which Pillow uses for some 16-bit PNGs) are mapped linearly from the
  full 16-bit range onto 8 bits: ``round(v / 257)``, values outside ``[0, 65535]`` clipped first.
* Anything else (floating point ``F``, ...) is rejected as an unsupported mode.
* An image that is not ``size`` x ``size`` is resized with Pillow's antialiased bilinear filter;
  a non-square image is stretched, not cropped.
"""

from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image

SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
COLOUR_MODES = frozenset({"RGB", "CMYK", "YCbCr", "LAB", "HSV"})


class UnsupportedImageModeError(ValueError):
    """The image's pixel mode has no conversion rule."""


def _composite_over_black(image: Image.Image) -> Image.Image:
    """Drop alpha by compositing over opaque black; returns an ``RGB`` image."""
    background = Image.new("RGBA", image.size, (0, 0, 0, 255))
    return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")


def _sixteen_bit_to_uint8(image: Image.Image) -> np.ndarray:
    values = np.asarray(image, dtype=np.int64)
    return np.rint(np.clip(values, 0, 65535) / 257.0).astype(np.uint8)


def to_grayscale_array(image: Image.Image) -> np.ndarray:
    """Apply the module's conversion rule at the image's own size; returns ``uint8`` (height, width)."""
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "PA":
        image = image.convert("RGBA")
    mode = image.mode
    if mode in SIXTEEN_BIT_MODES:
        return _sixteen_bit_to_uint8(image)
    if mode in ("RGBA", "LA", "RGBa", "La"):
        image = _composite_over_black(image)
        mode = image.mode
    if mode == "1":
        image = image.convert("L")
    elif mode in COLOUR_MODES:
        image = image.convert("RGB").convert("L")
    elif mode != "L":
        raise UnsupportedImageModeError(f"pixel mode {mode!r} has no grayscale conversion rule")
    return np.asarray(image, dtype=np.uint8)


def resize_square(pixels: np.ndarray, size: int) -> np.ndarray:
    """Resize a ``uint8`` grayscale array to ``size`` x ``size`` (no-op when already that size)."""
    if pixels.shape == (size, size):
        return pixels
    resized = Image.fromarray(pixels, mode="L").resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)


def content_hash(pixels: np.ndarray) -> str:
    """Hash of the decoded grayscale content, so re-encoded copies of one picture match."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{pixels.shape[0]}x{pixels.shape[1]}:".encode())
    digest.update(np.ascontiguousarray(pixels).tobytes())
    return digest.hexdigest()
