"""A small CNN that attributes an image to its generator from trace channels (``fingerprint_inputs``).

Convolution blocks (3x3, batch norm, ReLU, 2x2 max-pool) keep the spatial layout; an adaptive average pool
to a fixed grid keeps where on the grid a pattern sits, which matters for the DCT channel (a frequency is
a position there) and makes any image size give the same head; then an embedding layer (the space of the
open-set distance) and a linear layer of class logits. :meth:`FingerprintNet.layer_features` also gives each
block's output averaged over positions, for the open-set score.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class FingerprintNet(nn.Module):
    """Channels (n, in_channels, size, size) → class logits (n, n_classes); :meth:`embed` gives the layer before."""

    def __init__(self, in_channels: int, n_classes: int, filters: Sequence[int] = (16, 32, 64), grid: int = 4,
                 embedding_dim: int = 128, dropout: float = 0.3):
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for width in filters:
            layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                       nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            channels = width
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(grid), nn.Flatten())
        self.embedding = nn.Sequential(nn.Linear(channels * grid * grid, embedding_dim), nn.ReLU(inplace=True))
        self.classify = nn.Sequential(nn.Dropout(dropout), nn.Linear(embedding_dim, n_classes))

    def embed(self, channels: torch.Tensor) -> torch.Tensor:
        return self.embedding(self.features(channels))

    def layer_features(self, channels: torch.Tensor) -> list[torch.Tensor]:
        """Each convolution block's output averaged over positions (n, width), then the embedding (n, dim):
        the layers whose Mahalanobis distances make the open-set score (Lee et al., NeurIPS 2018)."""
        pooled, hidden = [], channels
        for layer in self.features:
            hidden = layer(hidden)
            if isinstance(layer, nn.MaxPool2d):
                pooled.append(hidden.mean(dim=(2, 3)))
        return [*pooled, self.embedding(hidden)]

    def forward(self, channels: torch.Tensor) -> torch.Tensor:
        return self.classify(self.embed(channels))
