import numpy as np
import pytest
import torch

from gans_fingerprints.models.gan_training import GanConfig, sample_images, train_gan


def test_training_history_and_samples():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 16, 16), dtype=np.uint8)
    config = GanConfig(image_size=16, latent_dim=8, base_channels=4, batch_size=4, steps=6, log_every=2)
    generator, history = train_gan(images, config, torch.device("cpu"), seed=0)
    assert history["step"].tolist() == [2, 4, 6]
    assert set(history.columns) == {"step", "d_loss", "g_loss", "d_real", "d_fake"}
    assert np.isfinite(history[["d_loss", "g_loss"]].to_numpy()).all()
    samples = sample_images(generator, 5, torch.device("cpu"), seed=1, batch_size=2)
    assert samples.dtype == np.uint8 and samples.shape == (5, 16, 16)
    again = sample_images(generator, 5, torch.device("cpu"), seed=1, batch_size=2)
    assert np.array_equal(samples, again), "sampling is seeded"


def test_training_refuses_images_of_another_size():
    with pytest.raises(ValueError, match="built for 32 px"):
        train_gan(np.zeros((4, 16, 16), np.uint8), GanConfig(image_size=32), torch.device("cpu"), seed=0)


def test_discriminator_learns_on_a_fixed_task():
    """A few steps make D prefer the real (bright) images over generated ones: the loop really trains."""
    images = np.full((16, 16, 16), 230, dtype=np.uint8)
    config = GanConfig(image_size=16, latent_dim=8, base_channels=4, batch_size=8, steps=30, log_every=5, diff_augment=False)
    _, history = train_gan(images, config, torch.device("cpu"), seed=0)
    assert history["d_loss"].iloc[-1] < history["d_loss"].iloc[0]
