"""Differentiable augmentation for GANs trained on few images (Zhao et al., NeurIPS 2020).

The same random translation and cutout are applied to real and generated images before the
discriminator sees them, in its update and the generator's alike. Without it a DCGAN trained
on a few dozen slices collapses: the discriminator memorises the training set within a hundred
steps and steers the generator towards noise.
"""

from __future__ import annotations

import torch


def diff_augment(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Translate by up to 1/8 of the side (edges repeated) and cut out a square of half the side."""
    n, _, height, width = images.shape
    device = images.device
    shift = max(1, height // 8)
    dy = torch.randint(-shift, shift + 1, (n, 1, 1), generator=generator, device=device)
    dx = torch.randint(-shift, shift + 1, (n, 1, 1), generator=generator, device=device)
    rows = torch.arange(height, device=device).view(1, height, 1)
    cols = torch.arange(width, device=device).view(1, 1, width)
    source_rows = (rows + dy).clamp_(0, height - 1).expand(n, height, width)
    source_cols = (cols + dx).clamp_(0, width - 1).expand(n, height, width)
    batch = torch.arange(n, device=device).view(n, 1, 1)
    shifted = images[batch, 0, source_rows, source_cols].unsqueeze(1)
    half = max(1, height // 4)
    cy = torch.randint(0, height, (n, 1, 1), generator=generator, device=device)
    cx = torch.randint(0, width, (n, 1, 1), generator=generator, device=device)
    cut = ((rows - cy).abs() < half) & ((cols - cx).abs() < half)
    return shifted * (~cut).unsqueeze(1).to(shifted.dtype)
