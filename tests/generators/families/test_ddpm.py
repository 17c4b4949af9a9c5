"""The DDPM family: trains a small U-Net, samples with DDIM, and serves weights whose sampling settings differ."""

import numpy as np
import torch

from gans_fingerprints.generators.registry import registered_families
from gans_fingerprints.models.diffusion_training import DiffusionConfig

CPU = torch.device("cpu")
TINY = {"base_channels": 8, "channel_multipliers": [1, 2], "timesteps": 20, "batch_size": 4, "steps": 2, "sample_steps": 3,
        "log_every": 1}


def test_the_family_trains_and_samples_from_half_precision_weights():
    ddpm = registered_families()["ddpm"]
    config = ddpm.config(TINY, 16, "test")
    assert isinstance(config, DiffusionConfig) and config.channel_multipliers == (1, 2)
    images = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    state, history = ddpm.implementation.train(images, config, CPU, seed=0, name="toy")
    assert history["step"].tolist() == [1, 2]
    shipped = {key: value.half() if value.is_floating_point() else value for key, value in state.items()}
    samples = ddpm.implementation.sample(shipped, config, 3, CPU, seed=1)
    assert samples.dtype == np.uint8 and samples.shape == (3, 16, 16)
    assert np.array_equal(samples, ddpm.implementation.sample(shipped, config, 3, CPU, seed=1))


def test_only_the_sampling_and_logging_settings_leave_the_weights_alone():
    assert registered_families()["ddpm"].training_options(TINY) == {
        "base_channels": 8, "channel_multipliers": [1, 2], "timesteps": 20, "batch_size": 4, "steps": 2}
