"""The DCGAN family: the benchmark's original generator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.generators.registry import register_family
from gans_fingerprints.models.gan_training import GanConfig


@register_family("dcgan")
class DCGAN:
    Config = GanConfig

    @staticmethod
    def train(images: np.ndarray, config: GanConfig, device: Any, seed: int, name: str) -> tuple[dict[str, Any], pd.DataFrame]:
        from gans_fingerprints.models.gan_training import train_gan  # noqa: PLC0415 - torch only when training

        generator, history = train_gan(images, config, device, seed=seed, name=name)
        return {key: value.cpu() for key, value in generator.state_dict().items()}, history

    @staticmethod
    def sample(state: dict[str, Any], config: GanConfig, count: int, device: Any, seed: int) -> np.ndarray:
        from gans_fingerprints.models.dcgan import Generator  # noqa: PLC0415
        from gans_fingerprints.models.gan_training import sample_images  # noqa: PLC0415

        generator = Generator(config.image_size, config.latent_dim, config.base_channels)
        generator.load_state_dict(state)
        return sample_images(generator.to(device), count, device, seed=seed)
