"""The DDPM family: a small diffusion U-Net, sampled with DDIM; memorises small training sets when trained long."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.generators.registry import register_family
from gans_fingerprints.models.diffusion_training import DiffusionConfig


@register_family("ddpm")
class DDPM:
    Config = DiffusionConfig
    SAMPLING_OPTIONS = ("sample_steps",)

    @staticmethod
    def train(images: np.ndarray, config: DiffusionConfig, device: Any, seed: int, name: str) -> tuple[dict[str, Any], pd.DataFrame]:
        from gans_fingerprints.models.diffusion_training import train_diffusion  # noqa: PLC0415 - torch only when training

        model, history = train_diffusion(images, config, device, seed=seed, name=name)
        return {key: value.cpu() for key, value in model.state_dict().items()}, history

    @staticmethod
    def sample(state: dict[str, Any], config: DiffusionConfig, count: int, device: Any, seed: int) -> np.ndarray:
        from gans_fingerprints.models.diffusion_training import sample_diffusion, unet_of  # noqa: PLC0415

        model = unet_of(config)
        model.load_state_dict({key: value.float() if value.is_floating_point() else value for key, value in state.items()})
        return sample_diffusion(model.to(device), config, count, device, seed=seed)
