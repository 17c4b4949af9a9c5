"""Training a DCGAN on a uint8 image stack, and sampling from it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from gans_fingerprints.devices import channels_last
from gans_fingerprints.models.dcgan import Discriminator, Generator
from gans_fingerprints.models.diffaugment import diff_augment
from gans_fingerprints.progress import track

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GanConfig:
    """Size and schedule of one DCGAN."""

    image_size: int = 64
    latent_dim: int = 64
    base_channels: int = 32
    batch_size: int = 32
    steps: int = 300
    learning_rate: float = 2e-4
    beta1: float = 0.5
    diff_augment: bool = True
    log_every: int = 10


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 (n, h, w) → float (n, 1, h, w) in [-1, 1]."""
    return images.unsqueeze(1).float().div_(127.5).sub_(1.0)


def check_training_images(images: np.ndarray, image_size: int, name: str, model: str) -> None:
    """A non-empty (n, image_size, image_size) stack, or a ValueError naming the generator."""
    if images.ndim != 3 or images.shape[1:] != (image_size, image_size):
        raise ValueError(f"{name}: images are {images.shape[1:]}, {model} is built for {image_size} px")
    if len(images) == 0:
        raise ValueError(f"{name}: no training images")


class _ShuffledBatches:
    """Index batches of a training set, reshuffled (seeded) whenever the next batch would run past its end."""

    def __init__(self, size: int, batch: int, rng: torch.Generator) -> None:
        self.size, self.batch, self.rng = size, batch, rng
        self.order, self.cursor = torch.randperm(size, generator=rng), 0

    def next(self) -> torch.Tensor:
        if self.cursor + self.batch > len(self.order):
            self.order, self.cursor = torch.randperm(self.size, generator=self.rng), 0
        chosen = self.order[self.cursor : self.cursor + self.batch]
        self.cursor += self.batch
        return chosen


def _adversarial_step(
    generator: Generator,
    discriminator: Discriminator,
    optimisers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
    real: torch.Tensor,
    latent_dim: int,
    seen_by_discriminator,
) -> tuple[float, float, float, float]:
    """One discriminator and one generator update (non-saturating loss); the losses and D's mean outputs."""
    g_optimiser, d_optimiser = optimisers
    loss = nn.BCEWithLogitsLoss()
    latent = torch.randn(len(real), latent_dim, device=real.device)
    fake = generator(latent)

    d_optimiser.zero_grad(set_to_none=True)
    real_logits = discriminator(seen_by_discriminator(real))
    fake_logits = discriminator(seen_by_discriminator(fake.detach()))
    d_loss = loss(real_logits, torch.ones_like(real_logits)) + loss(fake_logits, torch.zeros_like(fake_logits))
    d_loss.backward()
    d_optimiser.step()

    g_optimiser.zero_grad(set_to_none=True)
    g_logits = discriminator(seen_by_discriminator(fake))
    g_loss = loss(g_logits, torch.ones_like(g_logits))
    g_loss.backward()
    g_optimiser.step()
    return d_loss.item(), g_loss.item(), torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item()


def train_gan(
    images: np.ndarray, config: GanConfig, device: torch.device, seed: int, name: str = "gan"
) -> tuple[Generator, pd.DataFrame]:
    """Train a DCGAN on ``images`` (uint8, (n, size, size)); returns the generator and a loss history.

    Non-saturating GAN loss, Adam(lr, beta1) for both networks, batches drawn by shuffling the
    training set each epoch, DiffAugment before the discriminator when ``config.diff_augment``.
    The history has one row per ``log_every`` steps with mean losses
    and the discriminator's mean output probability on real and generated batches.
    """
    check_training_images(images, config.image_size, name, "the GAN")
    torch.manual_seed(seed)
    generator = channels_last(Generator(config.image_size, config.latent_dim, config.base_channels).to(device), on_cpu=False)
    discriminator = channels_last(Discriminator(config.image_size, config.base_channels).to(device), on_cpu=False)
    betas = (config.beta1, 0.999)
    g_optimiser = torch.optim.Adam(generator.parameters(), lr=config.learning_rate, betas=betas)
    d_optimiser = torch.optim.Adam(discriminator.parameters(), lr=config.learning_rate, betas=betas)
    data = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    batches = _ShuffledBatches(len(images), min(config.batch_size, len(images)), torch.Generator(device="cpu").manual_seed(seed))
    augment_rng = torch.Generator(device=device).manual_seed(seed + 1)

    def seen_by_discriminator(batch_images: torch.Tensor) -> torch.Tensor:
        return diff_augment(batch_images, augment_rng) if config.diff_augment else batch_images

    rows, window = [], []

    def running_losses() -> str:
        return f"D {window[-1][0]:.3f}  G {window[-1][1]:.3f}" if window else ""

    for step in track(range(1, config.steps + 1), f"training {name}", total=config.steps, status=running_losses):
        real = to_unit_range(data[batches.next().to(device)])
        window.append(_adversarial_step(generator, discriminator, (g_optimiser, d_optimiser), real, config.latent_dim,
                                        seen_by_discriminator))
        if step % config.log_every == 0 or step == config.steps:
            d, g, p_real, p_fake = np.mean(window, axis=0)
            rows.append({"step": step, "d_loss": d, "g_loss": g, "d_real": p_real, "d_fake": p_fake})
            window = []
    history = pd.DataFrame(rows)
    last = history.iloc[-1]
    logger.info("%s: %d steps, final D loss %.3f, G loss %.3f", name, config.steps, last["d_loss"], last["g_loss"])
    return generator.eval(), history


@torch.no_grad()
def sample_images(generator: Generator, count: int, device: torch.device, seed: int, batch_size: int = 256) -> np.ndarray:
    """Draw ``count`` images from a trained generator as uint8 (count, size, size)."""
    channels_last(generator, on_cpu=False).eval()
    torch_rng = torch.Generator(device="cpu").manual_seed(seed)
    chunks = []
    for start in range(0, count, batch_size):
        latent = torch.randn(min(batch_size, count - start), generator.latent_dim, generator=torch_rng).to(device)
        images = generator(latent).squeeze(1)
        chunks.append(((images + 1.0) * 127.5).round_().clamp_(0, 255).to(torch.uint8).cpu().numpy())
    size = generator.image_size
    return np.concatenate(chunks) if chunks else np.zeros((0, size, size), dtype=np.uint8)
