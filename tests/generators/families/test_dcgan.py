"""The DCGAN family: trains on a stack of images and samples uint8 images back from its weights."""

import numpy as np
import torch

from gans_fingerprints.generators.registry import registered_families
from gans_fingerprints.models.gan_training import GanConfig

CPU = torch.device("cpu")


def test_the_family_trains_to_cpu_weights_and_samples_seeded_images_from_them():
    dcgan = registered_families()["dcgan"]
    config = dcgan.config({"latent_dim": 8, "base_channels": 4, "batch_size": 4, "steps": 2, "log_every": 1}, 16, "test")
    assert isinstance(config, GanConfig) and config.image_size == 16
    images = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    state, history = dcgan.implementation.train(images, config, CPU, seed=0, name="toy")
    assert history["step"].tolist() == [1, 2]
    assert all(value.device.type == "cpu" for value in state.values())
    samples = dcgan.implementation.sample(state, config, 3, CPU, seed=1)
    assert samples.dtype == np.uint8 and samples.shape == (3, 16, 16)
    assert np.array_equal(samples, dcgan.implementation.sample(state, config, 3, CPU, seed=1))
    assert not np.array_equal(samples, dcgan.implementation.sample(state, config, 3, CPU, seed=2))
