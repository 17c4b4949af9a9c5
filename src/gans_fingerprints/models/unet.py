"""A small U-Net that predicts the noise in a 1-channel square image at a diffusion timestep (Ho et al., 2020)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

RES_BLOCKS_PER_LEVEL = 2


def timestep_embedding(timesteps: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding of (n,) timesteps → (n, dim), as in the Transformer and DDPM."""
    half = dim // 2
    frequencies = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / half)
    angles = timesteps.float()[:, None] * frequencies[None, :]
    embedding = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    return F.pad(embedding, (0, dim % 2))


def _norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with up to 8 groups; any channel count works."""
    return nn.GroupNorm(math.gcd(channels, 8), channels)


class ResBlock(nn.Module):
    """GroupNorm → SiLU → conv, plus the projected time embedding, twice; a 1x1 conv on the skip when the width changes."""

    def __init__(self, source: int, target: int, time_dim: int) -> None:
        super().__init__()
        self.norm1 = _norm(source)
        self.conv1 = nn.Conv2d(source, target, 3, padding=1)
        self.time = nn.Linear(time_dim, target)
        self.norm2 = _norm(target)
        self.conv2 = nn.Conv2d(target, target, 3, padding=1)
        self.skip = nn.Conv2d(source, target, 1) if source != target else nn.Identity()
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, time: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(F.silu(time))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


def checked_unet_sizes(
    image_size: int, channel_multipliers: tuple[int, ...], patch_size: int, pixel_blocks: int, pixel_channels: int
) -> tuple[int, ...]:
    """The channel multipliers as integers, or ValueError naming the U-Net setting that cannot work."""
    multipliers = tuple(int(m) for m in channel_multipliers)
    if not multipliers or min(multipliers) < 1:
        raise ValueError(f"U-Net channel_multipliers must be one or more positive integers, got {channel_multipliers}")
    if patch_size < 1:
        raise ValueError(f"U-Net patch_size must be a positive integer, got {patch_size}")
    if pixel_blocks < 0 or pixel_channels < 0 or ((pixel_blocks or pixel_channels) and patch_size == 1):
        raise ValueError(f"U-Net pixel_blocks and pixel_channels must be 0 or more, and need patch_size > 1 "
                         f"(without folds every level is full resolution), got {pixel_blocks}, {pixel_channels}, patch {patch_size}")
    factor = patch_size * 2 ** (len(multipliers) - 1)
    if image_size <= 0 or image_size % factor:
        raise ValueError(
            f"U-Net image_size must be a positive multiple of patch_size * 2**(len(channel_multipliers)-1) = {factor} "
            f"(patch {patch_size}, {len(multipliers)} levels), got {image_size}"
        )
    return multipliers


class UNet(nn.Module):
    """``(n, 1, size, size)`` noisy image and ``(n,)`` timesteps → a prediction of the same shape (the noise,
    v, the clean image, or the preconditioned network output F of ``edm``, as the training chose).

    One resolution level per channel multiplier, ``RES_BLOCKS_PER_LEVEL`` residual blocks per level on the way
    down (stride-2 conv between levels) and one more on the way up (nearest 2x + conv between levels), every
    block fed the skip connection saved at the same point on the way down. No attention.
    ``patch_size`` p > 1 folds each p x p patch of a full-resolution feature map into channels first (pixel
    unshuffle) and unfolds the output the same way, so every level runs at 1/p the resolution: several times
    less work on a CPU. Then ``pixel_blocks`` residual blocks of ``pixel_channels`` channels (0: a quarter of
    ``base_channels``, at least 4) run at full resolution before the fold and again after the unfold: without
    them a pixel's own value reaches the output only through two 3x3 convolutions, too little to tell
    per-pixel noise from fine texture (the samples come out blurred or grainy).
    """

    def __init__(
        self, image_size: int, base_channels: int = 32, channel_multipliers: tuple[int, ...] = (1, 2, 2, 2), patch_size: int = 1,
        pixel_blocks: int = 0, pixel_channels: int = 0,
    ) -> None:
        super().__init__()
        multipliers = checked_unet_sizes(image_size, channel_multipliers, patch_size, pixel_blocks, pixel_channels)
        self.image_size = image_size
        self.base_channels = base_channels
        self.channel_multipliers = multipliers
        self.patch_size = patch_size
        time_dim = 4 * base_channels
        self.time_mlp = nn.Sequential(nn.Linear(base_channels, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        # Patched: a full-resolution conv (``stem``) before folding, and one after unfolding (``head``) that sees
        # the stem's features too, so pixel-level denoising (a flat background, say) does not rest on the folds.
        pixel_channels = (pixel_channels or max(4, base_channels // 4)) if patch_size > 1 else 1
        self.stem = nn.Conv2d(1, pixel_channels, 3, padding=1) if patch_size > 1 else nn.Identity()
        self.pixel_down = nn.ModuleList([ResBlock(pixel_channels, pixel_channels, time_dim) for _ in range(pixel_blocks)])
        self.pixel_up = nn.ModuleList([ResBlock(pixel_channels, pixel_channels, time_dim) for _ in range(pixel_blocks)])
        self.unshuffle = nn.PixelUnshuffle(patch_size)
        self.shuffle = nn.PixelShuffle(patch_size)
        self.conv_in = nn.Conv2d(pixel_channels * patch_size**2, base_channels, 3, padding=1)

        widths = [base_channels * m for m in multipliers]
        skips = [base_channels]  # widths of the tensors saved for the skip connections
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        channels = base_channels
        for level, width in enumerate(widths):
            blocks = nn.ModuleList()
            for _ in range(RES_BLOCKS_PER_LEVEL):
                blocks.append(ResBlock(channels, width, time_dim))
                channels = width
                skips.append(channels)
            self.down.append(blocks)
            last = level == len(widths) - 1
            self.downsample.append(nn.Identity() if last else nn.Conv2d(channels, channels, 3, stride=2, padding=1))
            if not last:
                skips.append(channels)

        self.middle = nn.ModuleList([ResBlock(channels, channels, time_dim), ResBlock(channels, channels, time_dim)])

        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level, width in reversed(list(enumerate(widths))):
            blocks = nn.ModuleList()
            for _ in range(RES_BLOCKS_PER_LEVEL + 1):
                blocks.append(ResBlock(channels + skips.pop(), width, time_dim))
                channels = width
            self.up.append(blocks)
            self.upsample.append(nn.Conv2d(channels, channels, 3, padding=1) if level else nn.Identity())

        self.norm_out = _norm(channels)
        self.conv_out = nn.Conv2d(channels, pixel_channels * patch_size**2, 3, padding=1)
        self.head = nn.Conv2d(pixel_channels, 1, 3, padding=1) if patch_size > 1 else nn.Identity()
        last = self.head if patch_size > 1 else self.conv_out
        nn.init.zeros_(last.weight)  # predicts zero noise at first
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        time = self.time_mlp(timestep_embedding(timesteps, self.base_channels))
        pixels = self.stem(x)
        for block in self.pixel_down:
            pixels = block(pixels, time)
        h = self.conv_in(self.unshuffle(F.silu(pixels) if self.patch_size > 1 else pixels))
        saved = [h]
        for blocks, downsample in zip(self.down, self.downsample, strict=True):
            for block in blocks:
                h = block(h, time)
                saved.append(h)
            if not isinstance(downsample, nn.Identity):
                h = downsample(h)
                saved.append(h)
        for block in self.middle:
            h = block(h, time)
        for blocks, upsample in zip(self.up, self.upsample, strict=True):
            for block in blocks:
                h = block(torch.cat([h, saved.pop()], dim=1), time)
            if not isinstance(upsample, nn.Identity):
                h = upsample(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        out = self.shuffle(self.conv_out(F.silu(self.norm_out(h))))
        if self.patch_size == 1:
            return out
        out = out + pixels
        for block in self.pixel_up:
            out = block(out, time)
        return self.head(F.silu(out))
