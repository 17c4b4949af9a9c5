"""Training a denoising diffusion model (DDPM, Ho et al., 2020) on a uint8 image stack, and DDIM sampling from it (Song et al., 2021)."""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from gans_fingerprints.devices import channels_last
from gans_fingerprints.models.gan_training import check_training_images, to_unit_range
from gans_fingerprints.models.unet import UNet, checked_unet_sizes
from gans_fingerprints.progress import track

logger = logging.getLogger(__name__)

SCHEDULES = ("cosine", "linear")
PREDICTIONS = ("eps", "v", "x0", "edm")
"""What the U-Net learns to output: the noise ε (Ho et al., 2020), v = √ᾱ·ε − √(1−ᾱ)·x0 (Salimans & Ho,
2022), the clean image x0 itself, or ``edm``: the clean image through Karras et al.'s (2022) preconditioning,
x0 = c_skip·x_t + c_out·F with the network F trained on a unit-variance target (:func:`edm_coefficients`)."""
MAX_BETA = 0.999
"""Cap on each step's noise variance, so the cosine schedule's last steps stay finite (Nichol & Dhariwal, 2021)."""
GRAD_CLIP_NORM = 1.0


@dataclass(frozen=True)
class DiffusionConfig:
    """Size, noise schedule and training schedule of one diffusion model."""

    image_size: int = 64
    base_channels: int = 32
    channel_multipliers: tuple[int, ...] = (1, 2, 2, 2)
    patch_size: int = 1
    pixel_blocks: int = 0
    pixel_channels: int = 0
    timesteps: int = 1000
    beta_schedule: str = "cosine"
    prediction: str = "eps"
    sigma_data: float = 0.5
    batch_size: int = 16
    steps: int = 3000
    learning_rate: float = 2e-4
    ema_decay: float = 0.999
    sample_steps: int = 50
    hflip: bool = False
    log_every: int = 50

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel_multipliers", tuple(int(m) for m in self.channel_multipliers))  # a list from YAML
        if self.beta_schedule not in SCHEDULES:
            raise ValueError(f"diffusion beta_schedule must be one of {SCHEDULES}, got {self.beta_schedule!r}")
        factor = self.patch_size * 2 ** (len(self.channel_multipliers) - 1)
        if self.patch_size < 1 or self.image_size % factor:
            raise ValueError(f"diffusion image_size ({self.image_size}) must be a multiple of patch_size * 2**(levels-1) = {factor} "
                             f"(patch_size {self.patch_size}, {len(self.channel_multipliers)} channel_multipliers)")
        checked_unet_sizes(self.image_size, self.channel_multipliers, self.patch_size, self.pixel_blocks, self.pixel_channels)
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"diffusion prediction must be one of {PREDICTIONS}, got {self.prediction!r}")
        if self.timesteps < 1:
            raise ValueError(f"diffusion timesteps must be at least 1, got {self.timesteps}")
        if self.sigma_data <= 0:
            raise ValueError(f"diffusion sigma_data (the images' scale in [-1, 1], about 0.5) must be positive, got {self.sigma_data}")
        if not 1 <= self.sample_steps <= self.timesteps:
            raise ValueError(f"diffusion sample_steps must be between 1 and timesteps ({self.timesteps}), got {self.sample_steps}")


def unet_of(config: DiffusionConfig) -> UNet:
    """A fresh U-Net of the config's size."""
    return UNet(config.image_size, config.base_channels, config.channel_multipliers, config.patch_size, config.pixel_blocks,
                config.pixel_channels)


def noise_schedule(timesteps: int, kind: str = "cosine") -> torch.Tensor:
    """ᾱ_t for t = 1..T as a float64 (T,) tensor, strictly decreasing inside (0, 1).

    ``cosine``: ᾱ(t) = f(t)/f(0), f(t) = cos²(π/2 · (t/T + s)/(1 + s)), s = 0.008, each β capped at 0.999
    (Nichol & Dhariwal, 2021). ``linear``: β from 1e-4 to 0.02 (Ho et al., 2020; meant for T ≈ 1000).
    """
    if timesteps < 1:
        raise ValueError(f"diffusion timesteps must be at least 1, got {timesteps}")
    if kind == "cosine":
        s = 0.008
        f = torch.cos((torch.arange(timesteps + 1, dtype=torch.float64) / timesteps + s) / (1 + s) * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=MAX_BETA)
    elif kind == "linear":
        betas = torch.linspace(1e-4, 0.02, timesteps, dtype=torch.float64)
    else:
        raise ValueError(f"diffusion beta_schedule must be one of {SCHEDULES}, got {kind!r}")
    return torch.cumprod(1 - betas, dim=0)


def ddim_timesteps(timesteps: int, sample_steps: int) -> list[int]:
    """The ``sample_steps`` timesteps (0-based indices into the schedule) DDIM visits, evenly spaced, noisiest first."""
    if not 1 <= sample_steps <= timesteps:
        raise ValueError(f"diffusion sample_steps must be between 1 and timesteps ({timesteps}), got {sample_steps}")
    return sorted({round(float(t)) for t in np.linspace(0, timesteps - 1, sample_steps)}, reverse=True)


def edm_coefficients(alpha_bar: torch.Tensor | float, sigma_data: float) -> tuple[Any, Any]:
    """(c_skip, c_out) of Karras et al.'s (2022) preconditioning in this variance-preserving form.

    For ``noisy = √ᾱ·clean + √(1−ᾱ)·noise`` and zero-mean clean images of scale σ_d, c_skip·noisy is the best
    linear guess of the clean image (c_skip = √ᾱ·σ_d² / (ᾱ·σ_d² + 1 − ᾱ)) and c_out the standard deviation of
    what that guess leaves (c_out = √(1−ᾱ)·σ_d / √(ᾱ·σ_d² + 1 − ᾱ)). At low noise the image passes through the
    skip and the network only removes the noise; at high noise the network draws the image. Karras et al. use
    σ_d = 0.5 for images in [-1, 1] whatever their mean (CT slices, mostly dark, are not zero-mean: the
    weighting, not the exactness of the guess, is what matters). σ_d = 1 makes the target F = −v.
    """
    def root(value: Any) -> Any:  # a tensor during training, a float while sampling
        return value.sqrt() if isinstance(value, torch.Tensor) else math.sqrt(value)

    variance = alpha_bar * sigma_data**2 + 1 - alpha_bar
    return root(alpha_bar) * sigma_data**2 / variance, root(1 - alpha_bar) * sigma_data / root(variance)


def training_target(
    clean: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor, prediction: str, noisy: torch.Tensor | None = None,
    sigma_data: float = 0.5,
) -> torch.Tensor:
    """What the U-Net is trained to output for ``noisy = √ᾱ·clean + √(1−ᾱ)·noise``."""
    if prediction == "x0":
        return clean
    if prediction == "edm":
        noisy = alpha_bar.sqrt() * clean + (1 - alpha_bar).sqrt() * noise if noisy is None else noisy
        c_skip, c_out = edm_coefficients(alpha_bar, sigma_data)
        return (clean - c_skip * noisy) / c_out
    return noise if prediction == "eps" else alpha_bar.sqrt() * noise - (1 - alpha_bar).sqrt() * clean


def predicted_noise(output: torch.Tensor, noisy: torch.Tensor, alpha_bar: float, prediction: str, sigma_data: float = 0.5) -> torch.Tensor:
    """The noise ε implied by the U-Net's ``output`` at ᾱ (the inverse of :func:`training_target` given ``noisy``)."""
    if prediction == "edm":  # F → the clean image it stands for, then as x0
        c_skip, c_out = edm_coefficients(alpha_bar, sigma_data)
        output = c_skip * noisy + c_out * output
    if prediction in ("x0", "edm"):
        return (noisy - math.sqrt(alpha_bar) * output) / math.sqrt(1 - alpha_bar)
    return output if prediction == "eps" else math.sqrt(1 - alpha_bar) * noisy + math.sqrt(alpha_bar) * output


def ddim_step(x: torch.Tensor, eps: torch.Tensor, alpha_bar: float, alpha_bar_prev: float) -> torch.Tensor:
    """One deterministic DDIM update (η = 0) from ᾱ to ᾱ_prev: the predicted x0, clipped to [-1, 1], plus the predicted noise.

    The noise term keeps the model's ε rather than the ε implied by the clipped x0: recomputing it pushed each
    clipping correction into the noise and left visibly grainier samples from short trainings on phantom slices.
    """
    x0 = ((x - math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar)).clamp_(-1.0, 1.0)
    return math.sqrt(alpha_bar_prev) * x0 + math.sqrt(1 - alpha_bar_prev) * eps


def train_diffusion(
    images: np.ndarray, config: DiffusionConfig, device: torch.device, seed: int, name: str = "diffusion"
) -> tuple[UNet, pd.DataFrame]:
    """Train a DDPM on ``images`` (uint8, (n, size, size)); returns the EMA copy of the U-Net and a loss history.

    ε-, v-, x0- or edm-prediction (``config.prediction``) with an MSE loss at a uniformly drawn timestep, AdamW(lr),
    gradients clipped to norm 1, batches drawn by shuffling the training set each epoch, random horizontal flips when ``config.hflip``.
    The EMA decay ramps up as min(ema_decay, (1 + step)/(10 + step)) so short trainings are not dominated
    by the initial weights. Timesteps, noise, flips and batch order come from one seeded CPU generator,
    so a seed gives the same run on any device up to its arithmetic.
    The history has one row per ``log_every`` steps with the mean loss over those steps.
    """
    check_training_images(images, config.image_size, name, "the diffusion model")
    torch.manual_seed(seed)
    model = unet_of(config).to(device)
    channels_last(model, on_cpu=False)
    ema = copy.deepcopy(model).requires_grad_(False)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    alphas_cumprod = noise_schedule(config.timesteps, config.beta_schedule).to(device=device, dtype=torch.float32)
    data = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    batch = min(config.batch_size, len(images))
    size = config.image_size
    rng = torch.Generator(device="cpu").manual_seed(seed)

    order = torch.randperm(len(images), generator=rng)
    cursor = 0
    rows, window = [], []

    averaged_parameters, current_parameters = list(ema.parameters()), list(model.parameters())

    def running_loss() -> str:
        return f"loss {window[-1].item():.4f}" if window else ""

    for step in track(range(1, config.steps + 1), f"training {name}", total=config.steps, status=running_loss):
        if cursor + batch > len(order):
            order, cursor = torch.randperm(len(images), generator=rng), 0
        clean = to_unit_range(data[order[cursor : cursor + batch].to(device)])
        cursor += batch
        if config.hflip:
            flip = (torch.rand(batch, generator=rng) < 0.5).to(device)[:, None, None, None]
            clean = torch.where(flip, clean.flip(-1), clean)
        t = torch.randint(0, config.timesteps, (batch,), generator=rng).to(device)
        noise = torch.randn(batch, 1, size, size, generator=rng).to(device)
        alpha_bar = alphas_cumprod[t][:, None, None, None]
        noisy = alpha_bar.sqrt() * clean + (1 - alpha_bar).sqrt() * noise

        optimiser.zero_grad(set_to_none=True)
        target = training_target(clean, noise, alpha_bar, config.prediction, noisy, config.sigma_data)
        loss = nn.functional.mse_loss(model(noisy, t), target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP_NORM)
        optimiser.step()
        decay = min(config.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_lerp_(averaged_parameters, current_parameters, 1 - decay)

        window.append(loss.detach())  # synchronised with the device only when logged
        if step % config.log_every == 0 or step == config.steps:
            rows.append({"step": step, "loss": torch.stack(window).mean().item()})
            window = []
    history = pd.DataFrame(rows, columns=["step", "loss"])
    if len(history):
        logger.info("%s: %d steps, final loss %.4f", name, config.steps, history.iloc[-1]["loss"])
    return ema.eval(), history


@torch.no_grad()
def sample_diffusion(model: UNet, config: DiffusionConfig, count: int, device: torch.device, seed: int, batch_size: int = 64) -> np.ndarray:
    """Draw ``count`` images by deterministic DDIM (η = 0, ``config.sample_steps`` steps) as uint8 (count, size, size)."""
    if model.image_size != config.image_size:
        raise ValueError(f"the model makes {model.image_size} px images, the config says {config.image_size} px")
    channels_last(model, on_cpu=False).eval()
    alphas_cumprod = noise_schedule(config.timesteps, config.beta_schedule).tolist()
    visited = ddim_timesteps(config.timesteps, config.sample_steps)
    size = model.image_size
    torch_rng = torch.Generator(device="cpu").manual_seed(seed)
    chunks = []
    for start in range(0, count, batch_size):
        n = min(batch_size, count - start)
        x = torch.randn(n, 1, size, size, generator=torch_rng).to(device)
        for index, t in enumerate(visited):
            alpha_bar_prev = alphas_cumprod[visited[index + 1]] if index + 1 < len(visited) else 1.0
            output = model(x, torch.full((n,), t, device=device, dtype=torch.long))
            eps = predicted_noise(output, x, alphas_cumprod[t], config.prediction, config.sigma_data)
            x = ddim_step(x, eps, alphas_cumprod[t], alpha_bar_prev)
        chunks.append(((x.squeeze(1) + 1.0) * 127.5).round_().clamp_(0, 255).to(torch.uint8).cpu().numpy())
    return np.concatenate(chunks) if chunks else np.zeros((0, size, size), dtype=np.uint8)
