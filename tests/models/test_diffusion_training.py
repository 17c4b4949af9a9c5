import itertools

import numpy as np
import pytest
import torch
from torch import nn

from gans_fingerprints.models.diffusion_training import (
    DiffusionConfig,
    ddim_step,
    ddim_timesteps,
    edm_coefficients,
    noise_schedule,
    predicted_noise,
    sample_diffusion,
    train_diffusion,
    training_target,
)
from gans_fingerprints.models.unet import UNet

CPU = torch.device("cpu")
pytestmark = pytest.mark.usefixtures("one_thread")


def tiny_config(**changes) -> DiffusionConfig:
    settings = {
        "image_size": 16,
        "base_channels": 8,
        "channel_multipliers": (1, 2),
        "timesteps": 100,
        "batch_size": 4,
        "steps": 6,
        "sample_steps": 10,
        "log_every": 2,
    }
    return DiffusionConfig(**{**settings, **changes})


@pytest.mark.parametrize("kind", ["cosine", "linear"])
@pytest.mark.parametrize("timesteps", [10, 1000])
def test_schedule_decreases_inside_the_unit_interval(kind, timesteps):
    alphas_cumprod = noise_schedule(timesteps, kind)
    assert alphas_cumprod.shape == (timesteps,)
    assert (alphas_cumprod > 0).all() and (alphas_cumprod < 1).all()
    assert (alphas_cumprod.diff() < 0).all()


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="beta_schedule"):
        noise_schedule(10, "quadratic")
    with pytest.raises(ValueError, match="beta_schedule"):
        DiffusionConfig(beta_schedule="quadratic")


def test_config_takes_a_list_from_yaml():
    config = DiffusionConfig(channel_multipliers=[1, 2, 4])
    assert config.channel_multipliers == (1, 2, 4)
    hash(config)


def test_ddim_visits_evenly_spaced_steps_from_the_noisiest():
    steps = ddim_timesteps(1000, 50)
    assert len(steps) == 50 and steps[0] == 999 and steps[-1] == 0
    assert all(a > b for a, b in itertools.pairwise(steps))
    assert ddim_timesteps(10, 10) == list(range(9, -1, -1))


def test_last_ddim_step_returns_the_clipped_prediction():
    x0 = torch.tensor([-3.0, -0.5, 0.25, 2.0])
    eps = torch.tensor([0.3, -1.0, 0.0, 0.5])
    alpha_bar = 0.6
    x = alpha_bar**0.5 * x0 + (1 - alpha_bar) ** 0.5 * eps
    assert torch.allclose(ddim_step(x, eps, alpha_bar, 1.0), x0.clamp(-1, 1), atol=1e-6)


class Oracle(nn.Module):
    """The exact predictor (of ε or of v) when every training image is the same constant ``value`` in [-1, 1]."""

    def __init__(self, config: DiffusionConfig, value: float) -> None:
        super().__init__()
        self.image_size = config.image_size
        self.alphas_cumprod = noise_schedule(config.timesteps, config.beta_schedule).float()
        self.value = value
        self.prediction = config.prediction
        self.sigma_data = config.sigma_data

    def forward(self, x, t):
        alpha_bar = self.alphas_cumprod[t][:, None, None, None]
        noise = (x - alpha_bar.sqrt() * self.value) / (1 - alpha_bar).sqrt()
        return training_target(torch.full_like(x, self.value), noise, alpha_bar, self.prediction, x, self.sigma_data)


@pytest.mark.parametrize(("kind", "prediction"),
                         [("cosine", "eps"), ("linear", "eps"), ("cosine", "v"), ("cosine", "x0"), ("cosine", "edm")])
def test_ddim_with_the_exact_noise_recovers_the_data(kind, prediction):
    config = tiny_config(beta_schedule=kind, timesteps=1000, sample_steps=20, prediction=prediction, sigma_data=0.3)
    samples = sample_diffusion(Oracle(config, 0.2), config, 3, CPU, seed=0)  # sampling must read the config's sigma_data
    assert samples.shape == (3, 16, 16)
    assert np.abs(samples.astype(int) - 153).max() <= 1  # (0.2 + 1) * 127.5


def test_the_v_target_is_salimans_and_hos():
    clean, noise, alpha_bar = torch.tensor([0.5]), torch.tensor([-1.0]), torch.tensor(0.64)
    assert torch.allclose(training_target(clean, noise, alpha_bar, "v"), torch.tensor([0.8 * -1.0 - 0.6 * 0.5]))
    assert torch.allclose(training_target(clean, noise, alpha_bar, "x0"), clean)
    assert torch.allclose(training_target(clean, noise, alpha_bar, "eps"), noise)


def test_edm_preconditioning_is_karras_and_v_prediction_at_unit_data_deviation():
    clean, noise, alpha_bar = torch.tensor([0.5]), torch.tensor([-1.0]), torch.tensor(0.64)
    noisy = 0.8 * clean + 0.6 * noise
    assert torch.allclose(training_target(clean, noise, alpha_bar, "edm", noisy, sigma_data=1.0),
                          -training_target(clean, noise, alpha_bar, "v")), "σ_d = 1: F = −v"
    c_skip, c_out = edm_coefficients(alpha_bar, 0.5)
    sigma = (0.36 / 0.64) ** 0.5  # the same noise in Karras et al.'s variance-exploding form: noisy / √ᾱ = clean + σ·noise
    assert torch.allclose(c_skip * alpha_bar.sqrt(), torch.tensor(0.25 / (sigma**2 + 0.25))), "Karras's c_skip / √ᾱ"
    assert torch.allclose(c_out, torch.tensor(sigma * 0.5 / (sigma**2 + 0.25) ** 0.5))
    assert torch.allclose(edm_coefficients(torch.tensor(1.0), 0.5)[0], torch.tensor(1.0)), "no noise: the image passes through"
    with pytest.raises(ValueError, match="sigma_data"):
        tiny_config(sigma_data=0.0)


def test_a_patch_that_does_not_divide_the_image_is_refused_with_the_config():
    with pytest.raises(ValueError, match=r"multiple of patch_size \* 2\*\*\(levels-1\) = 8"):
        tiny_config(image_size=20, channel_multipliers=(1, 2), patch_size=4)
    with pytest.raises(ValueError, match="pixel_blocks and pixel_channels must be 0 or more, and need patch_size > 1"):
        tiny_config(pixel_blocks=2)  # with the config, before any training, not when the U-Net is built


def test_the_noise_implied_by_each_prediction_is_the_noise_it_was_made_from():
    torch.manual_seed(0)
    clean, noise = torch.rand(4, 1, 8, 8) * 2 - 1, torch.randn(4, 1, 8, 8)
    for alpha_bar in (0.999, 0.5, 0.01):
        noisy = alpha_bar**0.5 * clean + (1 - alpha_bar) ** 0.5 * noise
        for prediction in ("eps", "v", "x0", "edm"):
            target = training_target(clean, noise, torch.tensor(alpha_bar), prediction, noisy, sigma_data=0.4)
            assert torch.allclose(predicted_noise(target, noisy, alpha_bar, prediction, sigma_data=0.4), noise, atol=1e-4)
    with pytest.raises(ValueError, match="prediction must be one of"):
        tiny_config(prediction="score")


@pytest.mark.parametrize("changes", [{}, {"prediction": "v", "patch_size": 2}, {"prediction": "edm", "patch_size": 2, "pixel_blocks": 1}])
def test_training_history_and_samples(changes):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 16, 16), dtype=np.uint8)
    model, history = train_diffusion(images, tiny_config(hflip=True, **changes), CPU, seed=0)
    assert isinstance(model, UNet) and not model.training and model.patch_size == changes.get("patch_size", 1)
    assert list(history.columns) == ["step", "loss"]
    assert history["step"].tolist() == [2, 4, 6]
    assert np.isfinite(history["loss"]).all()
    samples = sample_diffusion(model, tiny_config(**changes), 5, CPU, seed=1, batch_size=2)
    assert samples.dtype == np.uint8 and samples.shape == (5, 16, 16)
    assert samples.min() >= 0 and samples.max() <= 255
    assert sample_diffusion(model, tiny_config(), 0, CPU, seed=1).shape == (0, 16, 16)


def test_same_seed_same_weights_and_samples():
    images = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    config = tiny_config(steps=4)
    first, _ = train_diffusion(images, config, CPU, seed=3)
    second, _ = train_diffusion(images, config, CPU, seed=3)
    other, _ = train_diffusion(images, config, CPU, seed=4)
    for name, weights in first.state_dict().items():
        assert torch.equal(weights, second.state_dict()[name]), name
    assert not all(torch.equal(w, other.state_dict()[n]) for n, w in first.state_dict().items())
    samples = sample_diffusion(first, config, 3, CPU, seed=1)
    assert np.array_equal(samples, sample_diffusion(second, config, 3, CPU, seed=1))
    assert not np.array_equal(samples, sample_diffusion(first, config, 3, CPU, seed=2))


def test_training_refuses_bad_input():
    with pytest.raises(ValueError, match="built for 32 px"):
        train_diffusion(np.zeros((4, 16, 16), np.uint8), tiny_config(image_size=32), CPU, seed=0)
    with pytest.raises(ValueError, match="no training images"):
        train_diffusion(np.zeros((0, 16, 16), np.uint8), tiny_config(), CPU, seed=0)


@pytest.mark.parametrize("prediction", ["eps", "v", "x0", "edm"])
def test_training_lowers_the_loss_on_a_fixed_task(prediction):
    """On identical constant images the target is predictable from the noisy image: the loss must fall well below 1."""
    images = np.full((16, 16, 16), 200, dtype=np.uint8)
    config = tiny_config(channel_multipliers=(1,), batch_size=8, steps=150, log_every=25, prediction=prediction)
    _, history = train_diffusion(images, config, CPU, seed=0)
    assert history["loss"].iloc[0] > 0.25, "a fresh model predicts zero: loss ≈ E[target²] (1 for ε, 0.32 for x0 here)"
    assert history["loss"].iloc[-1] < 0.6 * history["loss"].iloc[0]


def test_sampling_refuses_a_config_of_another_size():
    with pytest.raises(ValueError, match="16 px"):
        sample_diffusion(UNet(16, 4, (1, 2)), tiny_config(image_size=32), 2, CPU, seed=0)
