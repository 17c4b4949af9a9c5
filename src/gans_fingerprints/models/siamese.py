"""The paper's Siamese branch and contrastive loss (section 3.1.2; the authors' Keras script).

Branch: four blocks of 3x3 convolution with valid padding (16, 32, 64, 128 filters by default),
ReLU and 2x2 max-pooling; a dense layer of 256 units with ReLU; L2 normalisation. Both inputs of
a pair go through the same branch (shared weights) and are compared by Euclidean distance.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class SiameseBranch(nn.Module):
    """Grayscale image in [0, 1], shape (n, 1, size, size) → L2-normalised embedding (n, dim)."""

    def __init__(self, image_size: int = 256, filters: Sequence[int] = (16, 32, 64, 128), embedding_dim: int = 256):
        super().__init__()
        self.image_size = image_size
        layers: list[nn.Module] = []
        channels = 1
        for width in filters:
            layers += [nn.Conv2d(channels, width, kernel_size=3), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            channels = width
        self.features = nn.Sequential(*layers)
        side = image_size
        for _ in filters:
            side = (side - 2) // 2
        if side < 1:
            raise ValueError(
                f"A {len(filters)}-block Siamese branch needs images of at least {self.min_size(len(filters))} px, "
                f"got {image_size}"
            )
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(channels * side * side, embedding_dim), nn.ReLU(inplace=True))

    @staticmethod
    def min_size(blocks: int) -> int:
        side = 1
        for _ in range(blocks):
            side = side * 2 + 2
        return side

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"the model was built for {self.image_size} px images, got {tuple(images.shape[-2:])}")
        return F.normalize(self.embed(self.features(images)), dim=1, eps=1e-12)


def embedding_distance_matrix(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between every row of ``first`` and every row of ``second``."""
    squared = (first.unsqueeze(1) - second.unsqueeze(0)).pow(2).sum(-1)
    return squared.clamp_min(1e-12).sqrt()  # the clamp keeps the gradient finite at distance 0


def matched_embedding_distances(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Euclidean distance between matching rows."""
    return (first - second).pow(2).sum(-1).clamp_min(1e-12).sqrt()


def contrastive_loss(distance: torch.Tensor, same: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """Per-pair ``y·d² + (1 − y)·max(margin − d, 0)²`` (y = 1 for a positive pair), not reduced."""
    same = same.to(distance.dtype)
    return same * distance.pow(2) + (1 - same) * (margin - distance).clamp_min(0).pow(2)
