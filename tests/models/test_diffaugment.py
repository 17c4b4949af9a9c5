import torch

from gans_fingerprints.models.diffaugment import diff_augment


def test_diff_augment_keeps_shape_and_gradients():
    images = torch.rand(4, 1, 16, 16, requires_grad=True)
    out = diff_augment(images, torch.Generator().manual_seed(0))
    assert out.shape == images.shape
    out.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert (out == 0).any(), "cutout blanks a square"
