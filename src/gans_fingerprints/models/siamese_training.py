"""Training the Siamese branch on real × generated pairs, embedding, and nearest-centroid inference.

Two ways to draw pairs:

* ``paper``: the authors' batches of 32 pairs, 16 positive (a real image of class c with a
  generated image of c) and 16 negative (real of c1, generated of c2 ≠ c1); each pair embeds two
  images, so a batch embeds 64 images for 32 pairs.
* ``batch_all``: each step embeds ``per_class`` real and ``per_class`` generated images of every
  class once and uses every real × generated pair among them, positives and negatives weighted
  equally, as in the paper's 16/16 batches. The same embeddings serve many more pairs.

Pixels are scaled to [0, 1] in training and inference alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from gans_fingerprints.distances import nearest_centroid
from gans_fingerprints.models.checkpoints import CheckpointStore
from gans_fingerprints.models.siamese import (
    SiameseBranch,
    contrastive_loss,
    embedding_distance_matrix,
    matched_embedding_distances,
)
from gans_fingerprints.progress import track

logger = logging.getLogger(__name__)
PAIR_SAMPLING_MODES = ("paper", "batch_all")


@dataclass(frozen=True)
class SiameseConfig:
    """Architecture and schedule; every field is a parameter of the pipeline."""

    image_size: int = 256
    filters: tuple[int, ...] = (16, 32, 64, 128)
    embedding_dim: int = 256
    margin: float = 1.0
    learning_rate: float = 1e-4
    epochs: int = 30
    pair_sampling: str = "paper"
    pairs_per_batch: int = 32
    batch_all_per_class: int = 2
    embed_batch_size: int = 64
    renormalise_centroids: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.pair_sampling not in PAIR_SAMPLING_MODES:
            raise ValueError(f"pair_sampling must be one of {PAIR_SAMPLING_MODES}, got {self.pair_sampling!r}")
        if self.pairs_per_batch < 2 or self.pairs_per_batch % 2:
            raise ValueError(f"pairs_per_batch must be an even number >= 2, got {self.pairs_per_batch}")

    def resume_key(self) -> dict:
        """Settings a checkpoint must share to be resumed (everything but the number of epochs)."""
        key = asdict(self)
        key.pop("epochs")
        key["filters"] = list(self.filters)
        return key


def config_from_params(params: dict, image_size: int) -> SiameseConfig:
    """A :class:`SiameseConfig` from a pipeline's parameters (``model``, ``training``, ``inference``, ``seed``)."""
    model, training, inference = params["model"], params["training"], params["inference"]
    return SiameseConfig(
        image_size=image_size,
        filters=tuple(int(f) for f in model["filters"]),
        embedding_dim=int(model["embedding_dim"]),
        margin=float(training["margin"]),
        learning_rate=float(training["learning_rate"]),
        epochs=int(training["epochs"]),
        pair_sampling=str(training["pair_sampling"]),
        pairs_per_batch=int(training["pairs_per_batch"]),
        batch_all_per_class=int(training["batch_all_per_class"]),
        embed_batch_size=int(inference["batch_size"]),
        renormalise_centroids=bool(inference["renormalise_centroids"]),
        seed=int(params["seed"]),
    )


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


def _to_unit(images: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    tensor = torch.as_tensor(np.ascontiguousarray(images)) if isinstance(images, np.ndarray) else images
    return tensor.to(device, non_blocking=True).unsqueeze(1).float().div_(255.0)


@torch.no_grad()
def embed_images(
    model: SiameseBranch, images: np.ndarray, device: torch.device, batch_size: int = 64, rows: np.ndarray | None = None
) -> np.ndarray:
    """Embeddings (n, dim) of a uint8 stack (or of its ``rows``), in batches, without gradients.

    Rows are read batch by batch, so a memory-mapped stack is never copied whole.
    """
    model.eval()
    rows = np.arange(len(images)) if rows is None else np.asarray(rows)
    if len(rows) and images.shape[1:] != (model.image_size, model.image_size):
        size = images.shape[1:]
        raise ValueError(f"the model was built for {model.image_size} px images, these are {size[0]}x{size[1]}")
    chunks = [
        model(_to_unit(images[batch], device)).cpu()
        for batch in (rows[start : start + batch_size] for start in range(0, len(rows), batch_size))
    ]
    dim = model.embed[1].out_features
    return torch.cat(chunks).numpy() if chunks else np.zeros((0, dim), dtype=np.float32)


def class_centroids(embeddings: np.ndarray, labels: np.ndarray, n_classes: int, renormalise: bool) -> np.ndarray:
    """Mean embedding of each class (optionally scaled back to unit length)."""
    centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in range(n_classes)])
    if renormalise:
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True).clip(min=1e-12)
    return centroids


class _PairSampler:
    """Draws index batches for either sampling mode from a seeded numpy generator."""

    def __init__(self, data: PairData, config: SiameseConfig, rng: np.random.Generator) -> None:
        self.rng = rng
        self.config = config
        self.real_by_class = [np.flatnonzero(data.real_labels == c) for c in range(data.n_classes)]
        self.generated_by_class = [np.flatnonzero(data.generated_labels == c) for c in range(data.n_classes)]
        self.n_classes = data.n_classes

    def paper_batch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        half = self.config.pairs_per_batch // 2
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
        k = self.config.batch_all_per_class

        def draw(pools: list[np.ndarray]) -> np.ndarray:
            return np.concatenate([self.rng.choice(pool, size=k, replace=len(pool) < k) for pool in pools if len(pool)])

        return draw(self.real_by_class), draw(self.generated_by_class)


def _embed_together(
    model: SiameseBranch, real: torch.Tensor, generated: torch.Tensor, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """One forward pass for both sides of a batch (shared weights), split afterwards."""
    embeddings = model(_to_unit(torch.cat([real, generated]), device))
    return embeddings[: len(real)], embeddings[len(real) :]


def _balanced_mean(losses: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
    """Positives and negatives weigh half each, as in the paper's 16/16 batches."""
    positive, negative = same.bool(), ~same.bool()
    parts = [losses[mask].mean() for mask in (positive, negative) if mask.any()]
    return torch.stack(parts).mean()


def _fingerprint(data: PairData, config: SiameseConfig) -> str:
    digest = hashlib.sha256(json.dumps(config.resume_key(), sort_keys=True).encode())
    digest.update(data.fingerprint.encode())
    return digest.hexdigest()[:16]


def validation_accuracy(model: SiameseBranch, data: PairData, config: SiameseConfig, device: torch.device) -> float:
    """Nearest-centroid attribution accuracy of the held-out generated images (centroids: training reals)."""
    if len(data.validation_generated) == 0:
        return float("nan")
    real = embed_images(model, data.real, device, config.embed_batch_size)
    centroids = class_centroids(real, data.real_labels, data.n_classes, config.renormalise_centroids)
    held_out = embed_images(model, data.validation_generated, device, config.embed_batch_size)
    predicted, _ = nearest_centroid(held_out, centroids)
    return float((predicted == data.validation_generated_labels).mean())


def train_siamese(  # noqa: PLR0915 - one loop, kept in one place
    data: PairData,
    config: SiameseConfig,
    device: torch.device,
    checkpoints: CheckpointStore | None = None,
    resume: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> tuple[SiameseBranch, pd.DataFrame]:
    """Train for ``config.epochs`` epochs; returns the model and one history row per epoch
    (``from_checkpoint`` marks the epochs a resumed run took from its checkpoint).

    An epoch has ``#real training images // pairs_per_batch`` steps in ``paper`` mode (the authors'
    rule) and ``#real training images // (per_class × classes)`` in ``batch_all`` mode, so both see
    every real image about once per epoch. After each epoch: validation attribution accuracy, a
    log line, and a checkpoint; with ``resume`` a checkpoint of the same settings and data with at
    most ``config.epochs`` epochs continues from its epoch (see :meth:`CheckpointStore.resumable`).
    """
    torch.manual_seed(config.seed)
    model = SiameseBranch(config.image_size, config.filters, config.embedding_dim).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    rng = np.random.default_rng(config.seed)
    history: list[dict] = []
    fingerprint = _fingerprint(data, config)
    start_epoch = 1
    saved = checkpoints.resumable(fingerprint, config.epochs, "Siamese training") if checkpoints is not None and resume else None
    if saved is not None:
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        rng.bit_generator.state = saved["rng"]
        torch.set_rng_state(saved["torch_rng"])
        history = [{**row, "from_checkpoint": True} for row in saved["history"]]
        start_epoch = saved["epoch"] + 1

    sampler = _PairSampler(data, config, rng)
    real = torch.as_tensor(np.ascontiguousarray(data.real)).to(device)
    generated = torch.as_tensor(np.ascontiguousarray(data.generated)).to(device)
    if config.pair_sampling == "paper":
        steps = max(1, len(data.real) // config.pairs_per_batch)
    else:
        steps = max(1, len(data.real) // (config.batch_all_per_class * data.n_classes))

    for epoch in range(start_epoch, config.epochs + 1):
        model.train()
        started = time.perf_counter()
        losses: list[float] = []

        def running_loss(losses: list[float] = losses) -> str:
            return f"loss {np.mean(losses):.4f}" if losses else ""

        for _ in track(range(steps), f"epoch {epoch}/{config.epochs}", total=steps, status=running_loss):
            if config.pair_sampling == "paper":
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
            loss = _balanced_mean(contrastive_loss(distance, same_tensor, config.margin), same_tensor)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        trained = time.perf_counter()
        row = {
            "epoch": epoch,
            "train_loss": float(np.mean(losses)),
            "validation_attribution_accuracy": validation_accuracy(model, data, config, device),
            "seconds": trained - started,
            "validation_seconds": time.perf_counter() - trained,
            "from_checkpoint": False,
        }
        history.append(row)
        logger.info(
            "Siamese epoch %d/%d: loss %.4f, validation attribution accuracy %.3f (%.1f s training)",
            epoch,
            config.epochs,
            row["train_loss"],
            row["validation_attribution_accuracy"],
            row["seconds"],
        )
        if checkpoints is not None:
            checkpoints.save(
                {
                    "epoch": epoch,
                    "epochs": config.epochs,
                    "fingerprint": fingerprint,
                    "model": model.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "rng": rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(),
                    "history": history,
                }
            )
        if on_epoch_end is not None:
            on_epoch_end(epoch, row)
    return model.eval(), pd.DataFrame(history)
