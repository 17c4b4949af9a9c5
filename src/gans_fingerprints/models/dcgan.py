"""DCGAN generator and discriminator (Radford et al., 2016) for square grayscale images."""

from __future__ import annotations

import math

import torch
from torch import nn

MAX_CHANNELS = 512


def _check_size(image_size: int) -> int:
    """Number of 2x up-samplings from 4x4 to ``image_size``; the size must be a power of two >= 16."""
    steps = math.log2(image_size) - 2 if image_size > 0 else -1
    if image_size < 16 or steps != int(steps):
        raise ValueError(f"DCGAN image_size must be a power of two >= 16 (16, 32, 64, 128, 256), got {image_size}")
    return int(steps)


def _channels(base_channels: int, level: int) -> int:
    return min(MAX_CHANNELS, base_channels * 2**level)


class Generator(nn.Module):
    """Latent vector → ``(1, image_size, image_size)`` image in [-1, 1]."""

    def __init__(self, image_size: int = 64, latent_dim: int = 64, base_channels: int = 32) -> None:
        super().__init__()
        steps = _check_size(image_size)
        self.image_size = image_size
        self.latent_dim = latent_dim
        top = _channels(base_channels, steps - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, top, 4, 1, 0, bias=False),
            nn.BatchNorm2d(top),
            nn.ReLU(inplace=True),
        ]
        for level in range(steps - 1, 0, -1):
            source, target = _channels(base_channels, level), _channels(base_channels, level - 1)
            layers += [nn.ConvTranspose2d(source, target, 4, 2, 1, bias=False), nn.BatchNorm2d(target), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(_channels(base_channels, 0), 1, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(_dcgan_init)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.net(latent.view(latent.shape[0], self.latent_dim, 1, 1))


class Discriminator(nn.Module):
    """``(1, image_size, image_size)`` image → one logit (real vs generated)."""

    def __init__(self, image_size: int = 64, base_channels: int = 32) -> None:
        super().__init__()
        steps = _check_size(image_size)
        layers: list[nn.Module] = [nn.Conv2d(1, _channels(base_channels, 0), 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for level in range(steps - 1):
            source, target = _channels(base_channels, level), _channels(base_channels, level + 1)
            layers += [nn.Conv2d(source, target, 4, 2, 1, bias=False), nn.BatchNorm2d(target), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(_channels(base_channels, steps - 1), 1, 4, 1, 0, bias=False)]
        self.net = nn.Sequential(*layers)
        self.apply(_dcgan_init)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).flatten()


def _dcgan_init(module: nn.Module) -> None:
    """Weights from N(0, 0.02), batch-norm scales from N(1, 0.02), as in the DCGAN paper."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
