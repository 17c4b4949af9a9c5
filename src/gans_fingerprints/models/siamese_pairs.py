"""Pairs for the Siamese network: the training images with their classes, the two ways to draw pairs,
and the contrastive loss of one batch.

* ``paper``: the authors' batches of 32 pairs, 16 positive (a real image of class c with a
  generated image of c) and 16 negative (real of c1, generated of c2 ≠ c1); each pair embeds two
  images, so a batch embeds 64 images for 32 pairs.
* ``batch_all``: each step embeds ``per_class`` real and ``per_class`` generated images of every
  class once and uses every real × generated pair among them, positives and negatives weighted
  equally, as in the paper's 16/16 batches. The same embeddings serve many more pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from gans_fingerprints.models.siamese import (
    SiameseBranch,
    contrastive_loss,
    embedding_distance_matrix,
    matched_embedding_distances,
)

PAIR_SAMPLING_MODES = ("paper", "batch_all")


@dataclass
class PairData:
    """uint8 images (n, size, size) with integer class labels, real and generated, train and validation."""

    real: np.ndarray
    real_labels: np.ndarray
    generated: np.ndarray
    generated_labels: np.ndarray
    validation_generated: np.ndarray
    validation_generated_labels: np.ndarray
    n_classes: int
    fingerprint: str = field(default="")
    generated_for_every_class: bool = True  # subtask 1: only the "used" class has generated images

    def __post_init__(self) -> None:
        sides = [("real", self.real_labels)]
        if self.generated_for_every_class:
            sides.append(("generated", self.generated_labels))
        elif len(self.generated_labels) == 0:
            raise ValueError("no generated training images")
        for name, labels in sides:
            missing = sorted(set(range(self.n_classes)) - set(np.unique(labels).tolist()))
            if missing:
                raise ValueError(f"no {name} training images for class(es) {missing}")


class PairSampler:
    """Draws index batches for either sampling mode from a seeded numpy generator."""

    def __init__(self, data: PairData, pairs_per_batch: int, per_class: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.pairs_per_batch, self.per_class = pairs_per_batch, per_class
        self.real_by_class = [np.flatnonzero(data.real_labels == c) for c in range(data.n_classes)]
        self.generated_by_class = [np.flatnonzero(data.generated_labels == c) for c in range(data.n_classes)]
        self.n_classes = data.n_classes

    def paper_batch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        half = self.pairs_per_batch // 2
        if all(len(pool) for pool in self.generated_by_class):
            positive = self.rng.integers(self.n_classes, size=half)
            first = self.rng.integers(self.n_classes, size=half)
            second = (first + self.rng.integers(1, self.n_classes, size=half)) % self.n_classes if self.n_classes > 1 else first
        else:  # some classes have no generated images (subtask 1): pair only classes that can be paired
            with_generated = np.array([c for c, pool in enumerate(self.generated_by_class) if len(pool)])
            can_be_negative = np.array([c for c in range(self.n_classes) if (with_generated != c).any()])
            positive = self.rng.choice(with_generated, size=half)
            first = self.rng.choice(can_be_negative, size=half)
            second = np.array([self.rng.choice(with_generated[with_generated != c]) for c in first])
        real_classes = np.concatenate([positive, first])
        generated_classes = np.concatenate([positive, second])
        real = np.array([self.rng.choice(self.real_by_class[c]) for c in real_classes])
        generated = np.array([self.rng.choice(self.generated_by_class[c]) for c in generated_classes])
        same = np.concatenate([np.ones(half), np.zeros(half)])
        return real, generated, same

    def batch_all_batch(self) -> tuple[np.ndarray, np.ndarray]:
        k = self.per_class

        def draw(pools: list[np.ndarray]) -> np.ndarray:
            return np.concatenate([self.rng.choice(pool, size=k, replace=len(pool) < k) for pool in pools if len(pool)])

        return draw(self.real_by_class), draw(self.generated_by_class)


def to_unit(images: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (n, h, w) → float (n, 1, h, w) in [0, 1] on ``device``."""
    tensor = torch.as_tensor(np.ascontiguousarray(images)) if isinstance(images, np.ndarray) else images
    return tensor.to(device, non_blocking=True).unsqueeze(1).float().div_(255.0)


def _embed_together(
    model: SiameseBranch, real: torch.Tensor, generated: torch.Tensor, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """One forward pass for both sides of a batch (shared weights), split afterwards."""
    embeddings = model(to_unit(torch.cat([real, generated]), device))
    return embeddings[: len(real)], embeddings[len(real) :]


def _balanced_mean(losses: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
    """Positives and negatives weigh half each, as in the paper's 16/16 batches."""
    positive, negative = same.bool(), ~same.bool()
    parts = [losses[mask].mean() for mask in (positive, negative) if mask.any()]
    return torch.stack(parts).mean()


def batch_loss(  # noqa: PLR0913 - one step's inputs
    model: SiameseBranch, sampler: PairSampler, mode: str, real: torch.Tensor, generated: torch.Tensor, data: PairData,
    margin: float, device: torch.device,
) -> torch.Tensor:
    """The balanced contrastive loss of one batch of pairs drawn by ``sampler`` in ``mode``."""
    if mode == "paper":
        real_index, generated_index, same = sampler.paper_batch()
        real_embedding, generated_embedding = _embed_together(model, real[real_index], generated[generated_index], device)
        distance = matched_embedding_distances(real_embedding, generated_embedding)
        same_tensor = torch.as_tensor(same, device=device)
    else:
        real_index, generated_index = sampler.batch_all_batch()
        real_embedding, generated_embedding = _embed_together(model, real[real_index], generated[generated_index], device)
        distance = embedding_distance_matrix(real_embedding, generated_embedding).flatten()
        real_labels = torch.as_tensor(data.real_labels[real_index], device=device)
        generated_labels = torch.as_tensor(data.generated_labels[generated_index], device=device)
        same_tensor = (real_labels.unsqueeze(1) == generated_labels.unsqueeze(0)).flatten()
    return _balanced_mean(contrastive_loss(distance, same_tensor, margin), same_tensor)
