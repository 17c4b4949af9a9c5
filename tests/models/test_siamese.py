import numpy as np
import pytest
import torch

from gans_fingerprints.models.siamese import SiameseBranch, contrastive_loss, embedding_distance_matrix, matched_embedding_distances


@pytest.mark.parametrize(("size", "flat"), [(256, 14 * 14 * 128), (64, 2 * 2 * 128), (48, 1 * 1 * 128)])
def test_branch_shapes_follow_the_keras_valid_padding(size, flat):
    branch = SiameseBranch(size)
    assert branch.embed[1].in_features == flat
    out = branch(torch.rand(3, 1, size, size))
    assert out.shape == (3, 256)
    assert torch.allclose(out.norm(dim=1), torch.ones(3), atol=1e-5), "embeddings are L2-normalised"


def test_too_small_images_and_wrong_sizes_are_refused():
    with pytest.raises(ValueError, match="at least 46 px"):
        SiameseBranch(32)
    with pytest.raises(ValueError, match="built for 64 px"):
        SiameseBranch(64)(torch.rand(1, 1, 48, 48))


def test_contrastive_loss_on_known_values():
    distance = torch.tensor([0.5, 0.5, 1.2, 0.3, 0.0])
    same = torch.tensor([1, 0, 0, 0, 1])
    expected = torch.tensor([0.25, 0.25, 0.0, 0.49, 0.0])
    assert torch.allclose(contrastive_loss(distance, same, margin=1.0), expected)
    assert torch.allclose(contrastive_loss(torch.tensor([0.5]), torch.tensor([0]), margin=2.0), torch.tensor([2.25]))


def test_distances():
    a, b = torch.tensor([[0.0, 0.0], [3.0, 4.0]]), torch.tensor([[0.0, 0.0], [0.0, 1.0]])
    assert torch.allclose(embedding_distance_matrix(a, b), torch.tensor([[0.0, 1.0], [5.0, float(np.sqrt(18))]]), atol=1e-5)
    assert torch.allclose(matched_embedding_distances(a, b), torch.tensor([0.0, float(np.sqrt(18))]), atol=1e-5)
    x = torch.zeros(1, 2, requires_grad=True)
    matched_embedding_distances(x, torch.zeros(1, 2)).sum().backward()
    assert torch.isfinite(x.grad).all(), "the gradient at distance 0 stays finite"
