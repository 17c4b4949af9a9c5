"""The diffusion U-Net: noise of the image's shape, any size its levels can halve, conditioned on the timestep."""

import pytest
import torch

from gans_fingerprints.models.unet import UNet, timestep_embedding

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize(("size", "multipliers"), [(8, (1,)), (16, (1, 2)), (32, (1, 2, 2)), (24, (1, 2, 2, 2)), (64, (1, 2, 2, 2))])
def test_unet_shapes(size, multipliers):
    model = UNet(size, 4, multipliers)
    assert model.image_size == size
    out = model(torch.randn(3, 1, size, size), torch.tensor([0, 17, 999]))
    assert out.shape == (3, 1, size, size)


@pytest.mark.parametrize(("size", "multipliers"), [(0, (1, 2)), (30, (1, 2, 2)), (36, (1, 2, 2, 2)), (17, (1, 2))])
def test_unet_refuses_sizes_the_levels_cannot_halve(size, multipliers):
    with pytest.raises(ValueError, match=r"multiple of patch_size \* 2\*\*\(len\(channel_multipliers\)-1\)"):
        UNet(size, 4, multipliers)


@pytest.mark.parametrize(("size", "multipliers", "patch"), [(16, (1, 2), 2), (64, (1, 2, 2), 4), (12, (1,), 3)])
def test_a_patched_unet_runs_at_a_fraction_of_the_resolution_and_returns_full_size_noise(size, multipliers, patch):
    model = UNet(size, 4, multipliers, patch_size=patch)
    inner = []
    model.conv_in.register_forward_hook(lambda _module, _inputs, output: inner.append(output.shape))
    out = model(torch.randn(2, 1, size, size), torch.tensor([5, 900]))
    assert out.shape == (2, 1, size, size)
    assert inner == [(2, 4, size // patch, size // patch)], "the first level runs on the folded image"


def test_the_patch_size_must_divide_the_image():
    with pytest.raises(ValueError, match="patch 4, 2 levels"):
        UNet(20, 4, (1, 2), patch_size=4)
    with pytest.raises(ValueError, match="patch_size must be a positive integer"):
        UNet(16, 4, (1,), patch_size=0)


def test_default_unet_is_small():
    count = sum(p.numel() for p in UNet(64, 32, (1, 2, 2, 2)).parameters())
    assert 1_000_000 <= count <= 3_000_000


def test_the_timestep_embedding_is_sinusoidal_and_distinct_per_step():
    embedding = timestep_embedding(torch.tensor([0, 1, 500]), 7)
    assert embedding.shape == (3, 7) and torch.all(embedding[:, -1] == 0), "an odd width is padded with a zero"
    assert torch.equal(embedding[0, :3], torch.zeros(3)) and torch.equal(embedding[0, 3:6], torch.ones(3)), "sin 0, cos 0"
    assert not torch.allclose(embedding[1], embedding[2])


def test_the_output_depends_on_the_timestep():
    torch.manual_seed(0)
    model = UNet(16, 8, (1, 2))
    for parameter in model.parameters():  # the zero-initialised layers (each block's last conv, the output) made trained ones
        if not parameter.any():
            torch.nn.init.normal_(parameter, std=0.1)
    x = torch.randn(1, 1, 16, 16).repeat(2, 1, 1, 1)
    out = model(x, torch.tensor([3, 700]))
    assert out.shape == x.shape
    assert not torch.allclose(out[0], out[1]), "the same image at two timesteps gets two predictions"


def test_an_unpatched_unet_has_the_layers_it_always_had():
    """patch_size 1 adds nothing: no stem or head weights, a 1-channel input and output conv (weights saved
    before patches existed still load)."""
    model = UNet(32, 8, (1, 2))
    keys = set(model.state_dict())
    assert not any(key.startswith(("stem.", "head.")) for key in keys)
    assert model.conv_in.weight.shape == (8, 1, 3, 3) and model.conv_out.weight.shape == (1, 8, 3, 3)
    patched = UNet(32, 8, (1, 2), patch_size=2)
    assert {"stem.weight", "head.weight"} <= set(patched.state_dict())


def test_pixel_blocks_run_at_full_resolution_around_the_folds_and_old_weights_still_load():
    plain = UNet(32, 8, (1, 2), patch_size=4)
    model = UNet(32, 8, (1, 2), patch_size=4, pixel_blocks=2, pixel_channels=6)
    shapes = []
    for block in (*model.pixel_down, *model.pixel_up):
        block.register_forward_hook(lambda _module, _inputs, output: shapes.append(tuple(output.shape)))
    assert model(torch.randn(2, 1, 32, 32), torch.tensor([1, 800])).shape == (2, 1, 32, 32)
    assert shapes == [(2, 6, 32, 32)] * 4, "two blocks on the way in and two on the way out, at full resolution"
    old_layout = plain.state_dict()  # what weights saved before pixel blocks hold: a stem of max(4, 8 // 4) channels
    assert not any(key.startswith("pixel_") for key in old_layout)
    assert old_layout["stem.weight"].shape == (4, 1, 3, 3) and old_layout["conv_in.weight"].shape == (8, 4 * 16, 3, 3)
    assert old_layout["head.weight"].shape == (1, 4, 3, 3)
    assert set(old_layout) < set(model.state_dict())
    for settings in ({"pixel_blocks": 1}, {"pixel_channels": 6}):
        with pytest.raises(ValueError, match="need patch_size > 1"):
            UNet(32, 8, (1, 2), **settings)
