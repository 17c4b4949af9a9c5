"""Pair sampling for the Siamese network."""

import numpy as np
import pytest
import torch

from gans_fingerprints.models.siamese import SiameseBranch
from gans_fingerprints.models.siamese_pairs import PairData, PairSampler, batch_loss


def test_subtask1_pairs_use_the_only_class_with_generated_images():
    """Class 0 (used) has generated images, class 1 (not used) none: positives pair used reals with
    generated images, negatives pair not-used reals with them."""
    rng = np.random.default_rng(0)
    data = PairData(
        rng.integers(0, 256, (8, 48, 48), dtype=np.uint8), np.array([0, 0, 0, 0, 1, 1, 1, 1]),
        rng.integers(0, 256, (6, 48, 48), dtype=np.uint8), np.zeros(6, dtype=int),
        np.zeros((0, 48, 48), np.uint8), np.zeros(0, dtype=int), 2, generated_for_every_class=False,
    )
    sampler = PairSampler(data, pairs_per_batch=8, per_class=2, rng=rng)
    real, generated, same = sampler.paper_batch()
    assert (data.real_labels[real][same == 1] == 0).all() and (data.real_labels[real][same == 0] == 1).all()
    assert (data.generated_labels[generated] == 0).all()
    real_all, generated_all = sampler.batch_all_batch()
    assert len(real_all) == 2 * 2 and len(generated_all) == 2
    with pytest.raises(ValueError, match="no generated training images"):
        PairData(data.real, data.real_labels, data.generated[:0], data.generated_labels[:0],
                 data.validation_generated, data.validation_generated_labels, 2, generated_for_every_class=False)


def test_paper_batches_are_half_positive_and_batch_all_uses_every_pair():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 4)
    data = PairData(rng.integers(0, 256, (12, 48, 48), dtype=np.uint8), labels, rng.integers(0, 256, (12, 48, 48), dtype=np.uint8),
                    labels.copy(), np.zeros((0, 48, 48), np.uint8), np.zeros(0, dtype=int), 3)
    sampler = PairSampler(data, pairs_per_batch=8, per_class=2, rng=rng)
    real, generated, same = sampler.paper_batch()
    assert same.tolist() == [1] * 4 + [0] * 4
    assert (labels[real] == labels[generated]).tolist() == [True] * 4 + [False] * 4
    model, device = SiameseBranch(48), torch.device("cpu")
    images = torch.as_tensor(data.real), torch.as_tensor(data.generated)
    for mode in ("paper", "batch_all"):
        loss = batch_loss(model, sampler, mode, *images, data, margin=1.0, device=device)
        assert loss.ndim == 0 and torch.isfinite(loss) and loss.requires_grad
