import pytest
import torch

from gans_fingerprints.models.dcgan import Discriminator, Generator


@pytest.mark.parametrize("size", [16, 32, 64, 128, 256])
def test_shapes(size):
    generator, discriminator = Generator(size, 8, 4), Discriminator(size, 4)
    images = generator(torch.randn(3, 8))
    assert images.shape == (3, 1, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert discriminator(images).shape == (3,)


@pytest.mark.parametrize("size", [0, 8, 48, 100])
def test_bad_sizes_are_refused(size):
    with pytest.raises(ValueError, match="power of two"):
        Generator(size)
