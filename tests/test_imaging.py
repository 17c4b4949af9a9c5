import numpy as np
import pytest
from PIL import Image

from gans_fingerprints.imaging import UnsupportedImageModeError, content_hash, resize_square, to_grayscale_array


def test_grayscale_is_kept_as_is():
    pixels = np.arange(64, dtype=np.uint8).reshape(8, 8)
    assert np.array_equal(to_grayscale_array(Image.fromarray(pixels, mode="L")), pixels)


def test_rgb_becomes_itu_601_luma():
    rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # pure red
    gray = to_grayscale_array(Image.fromarray(rgb, mode="RGB"))
    assert gray.dtype == np.uint8 and gray.shape == (2, 2)
    assert abs(int(gray[0, 0]) - round(0.299 * 200)) <= 1


def test_equal_channels_keep_their_value():
    rgb = np.full((3, 3, 3), 137, dtype=np.uint8)
    assert np.all(to_grayscale_array(Image.fromarray(rgb, mode="RGB")) == 137)


def test_alpha_is_composited_over_black():
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[0, 0, 3] = 255  # opaque white
    rgba[0, 1, 3] = 0  # fully transparent white -> black
    rgba[1, :, 3] = 128  # half transparent white -> mid gray
    gray = to_grayscale_array(Image.fromarray(rgba, mode="RGBA"))
    assert gray[0, 0] == 255 and gray[0, 1] == 0
    assert 120 <= gray[1, 0] <= 135


def test_gray_alpha_is_composited_over_black():
    image = Image.fromarray(np.full((2, 2), 200, dtype=np.uint8), mode="L").convert("LA")
    image.putalpha(0)
    assert np.all(to_grayscale_array(image) == 0)


def test_palette_goes_through_its_palette():
    rgb = np.zeros((4, 4, 3), dtype=np.uint8)
    rgb[:2] = (10, 200, 30)
    image = Image.fromarray(rgb, mode="RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    expected = to_grayscale_array(Image.fromarray(rgb, mode="RGB"))
    assert np.array_equal(to_grayscale_array(image), expected)


def test_sixteen_bit_maps_full_range_linearly():
    values = np.array([[0, 257, 65535, 32896]], dtype=np.uint16)
    image = Image.fromarray(values)
    assert image.mode == "I;16"
    assert to_grayscale_array(image).tolist() == [[0, 1, 255, 128]]


def test_bilevel_becomes_0_or_255():
    image = Image.fromarray(np.array([[0, 255]], dtype=np.uint8), mode="L").convert("1")
    assert sorted(np.unique(to_grayscale_array(image)).tolist()) == [0, 255]


def test_float_images_are_rejected():
    with pytest.raises(UnsupportedImageModeError, match="'F'"):
        to_grayscale_array(Image.fromarray(np.zeros((2, 2), dtype=np.float32), mode="F"))


def test_resize_square_changes_size_only_when_needed():
    pixels = np.random.default_rng(0).integers(0, 255, (10, 20), dtype=np.uint8)
    assert resize_square(pixels, 8).shape == (8, 8)
    same = np.zeros((8, 8), dtype=np.uint8)
    assert resize_square(same, 8) is same


def test_content_hash_depends_on_pixels_and_shape():
    a = np.zeros((4, 4), dtype=np.uint8)
    assert content_hash(a) == content_hash(a.copy())
    assert content_hash(a) != content_hash(np.zeros((2, 8), dtype=np.uint8))
    b = a.copy()
    b[0, 0] = 1
    assert content_hash(a) != content_hash(b)
