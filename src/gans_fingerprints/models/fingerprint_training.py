"""Training glue of the generator-fingerprint classifier: batches of trace channels, early stopping on the
held-out images' loss, temperature scaling (or, with the nearest-real distances, weights fitted for both
sources of evidence), and the layer features of the open-set score.

Channels are made batch by batch from uint8 images, each training batch flipped at random (a flip keeps the
traces: ``fingerprint_inputs``); inference reads a (memory-mapped) stack a batch at a time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.optimize import minimize, minimize_scalar
from scipy.special import log_softmax, softmax

from gans_fingerprints.devices import PRECISIONS, autocast, channels_last
from gans_fingerprints.models.fingerprint import FingerprintNet
from gans_fingerprints.models.fingerprint_inputs import Standardisation, check_representations, fit_standardisation, raw_channels
from gans_fingerprints.progress import track

logger = logging.getLogger(__name__)

STANDARDISATION_SAMPLE = 2000
"""At most this many training images set the per-pixel standardisation."""


@dataclass(frozen=True)
class FingerprintConfig:
    """Inputs, architecture and schedule; every field is a parameter of ``subtask2_fingerprint``."""

    inputs: tuple[str, ...] = ("residual", "dct")
    filters: tuple[int, ...] = (16, 32, 64)
    grid: int = 4
    embedding_dim: int = 128
    dropout: float = 0.3
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 32
    epochs: int = 40
    min_steps: int = 0
    patience: int = 8
    hflip: bool = True
    inference_batch_size: int = 64
    flip_average: bool = True
    precision: str = "auto"
    seed: int = 0

    def __post_init__(self) -> None:
        check_representations(self.inputs)
        if self.epochs < 1 or self.batch_size < 2 or self.min_steps < 0 or self.patience < 0 or self.inference_batch_size < 1:
            raise ValueError("epochs >= 1, batch_size >= 2, inference_batch_size >= 1, min_steps >= 0 and patience >= 0 are needed, "
                             f"got {self.epochs}, {self.batch_size}, {self.inference_batch_size}, {self.min_steps}, {self.patience}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")

    def network(self, n_classes: int) -> FingerprintNet:
        return FingerprintNet(len(self.inputs), n_classes, self.filters, self.grid, self.embedding_dim, self.dropout)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "inputs": list(self.inputs), "filters": list(self.filters)}


@dataclass
class LabelledImages:
    """A uint8 stack (n, h, w) and each image's class index."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def steps_per_epoch(n_images: int, config: FingerprintConfig) -> int:
    """One pass over the training images, raised so that ``epochs`` epochs make at least ``min_steps`` steps."""
    return max(-(-n_images // config.batch_size), -(-config.min_steps // config.epochs))


def _channels(images: np.ndarray, config: FingerprintConfig, scaling: Standardisation) -> np.ndarray:
    return scaling.apply(raw_channels(images, config.inputs))


def _batches(n: int, size: int):
    return (np.arange(start, min(start + size, n)) for start in range(0, n, size))


@torch.no_grad()
def network_outputs(
    model: FingerprintNet, images: np.ndarray, config: FingerprintConfig, scaling: Standardisation, device: torch.device,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Logits (n, classes) and the layer features of :meth:`FingerprintNet.layer_features` (each block's
    channel means, then the embedding: ``[-1]``) of a uint8 stack (or of its ``rows``), batch by batch, in eval
    mode: a memory-mapped stack is read a batch at a time.

    With ``config.flip_average`` the logits are the mean of the image's and its mirror image's: the network
    trained on random flips (``hflip``) is not exactly symmetric, and the two views' mean is steadier (on the demo
    benchmark, eight seeds' test accuracy at cohort shift 0.5 went from 0.990-1.000, mean 0.997, to 0.995-1.000,
    mean 0.998; at shift 0, 0.995-1.000 both ways). The layer features are the image's own."""
    channels_last(model).eval()
    rows = np.arange(len(images)) if rows is None else np.asarray(rows)
    logits, layers = [], []
    for batch in _batches(len(rows), config.inference_batch_size):
        stack = np.asarray(images[rows[batch]])
        inputs = torch.as_tensor(_channels(stack, config, scaling)).to(device)
        with autocast(device, config.precision):
            features = model.layer_features(inputs)
            batch_logits = model.classify(features[-1]).float()
            if config.flip_average:
                mirrored = torch.as_tensor(_channels(np.ascontiguousarray(stack[:, :, ::-1]), config, scaling)).to(device)
                batch_logits = (batch_logits + model(mirrored).float()) / 2
            logits.append(batch_logits.cpu())
            layers.append([layer.float().cpu() for layer in features])
    if not logits:
        classes = model.classify[-1].out_features
        widths = [*config.filters, config.embedding_dim]
        return np.zeros((0, classes), np.float32), [np.zeros((0, width), np.float32) for width in widths]
    return torch.cat(logits).numpy(), [torch.cat(column).numpy() for column in zip(*layers, strict=True)]


def layer_outputs(
    model: FingerprintNet, images: np.ndarray, config: FingerprintConfig, scaling: Standardisation, device: torch.device,
    rows: np.ndarray | None = None,
) -> list[np.ndarray]:
    """The layer features of :func:`network_outputs` alone (the open-set statistics), without the mirror-image pass
    that only the flip-averaged logits need: the features are the image's own either way."""
    return network_outputs(model, images, replace(config, flip_average=False), scaling, device, rows=rows)[1]


def negative_log_likelihood(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of ``labels`` under ``softmax(logits / temperature)``, in float64."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    return float(-log_softmax(scaled, axis=1)[np.arange(len(labels)), np.asarray(labels)].mean())


def _validation_row(model, validation: LabelledImages, config, scaling, device) -> dict[str, float]:
    if len(validation) == 0:
        return {"validation_loss": float("nan"), "validation_accuracy": float("nan")}
    logits, _ = network_outputs(model, validation.images, config, scaling, device)
    return {"validation_loss": negative_log_likelihood(logits, validation.labels),
            "validation_accuracy": float((logits.argmax(1) == validation.labels).mean())}


def train_fingerprint(
    train: LabelledImages, validation: LabelledImages, n_classes: int, config: FingerprintConfig, device: torch.device
) -> tuple[FingerprintNet, Standardisation, pd.DataFrame]:
    """Train with Adam and cross-entropy; after each epoch, the held-out images' loss and accuracy.

    With ``patience`` > 0 and held-out images, training stops after ``patience`` epochs without a lower
    held-out loss and the model keeps the best epoch's weights (``kept`` in the history). The loss, not the
    accuracy: on the demo's 20 held-out images the accuracy moves in steps of 0.05 and ties for many epochs.
    """
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    sample = rng.choice(len(train), size=min(len(train), STANDARDISATION_SAMPLE), replace=False)
    scaling = fit_standardisation(raw_channels(np.asarray(train.images[np.sort(sample)]), config.inputs))
    model = channels_last(config.network(n_classes).to(device))
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    labels = torch.tensor(np.asarray(train.labels), dtype=torch.long)
    steps = steps_per_epoch(len(train), config)
    history: list[dict[str, Any]] = []
    best: dict[str, Any] = {"epoch": 0, "loss": float("inf"), "model": None}
    for epoch in range(1, config.epochs + 1):
        model.train()
        started, losses = time.perf_counter(), []
        for _ in track(range(steps), f"fingerprint epoch {epoch}/{config.epochs}", total=steps):
            chosen = np.sort(rng.choice(len(train), size=min(config.batch_size, len(train)), replace=False))
            images = np.asarray(train.images[chosen])
            if config.hflip:
                flip = rng.random(len(chosen)) < 0.5
                images = np.where(flip[:, None, None], images[:, :, ::-1], images)
            inputs = torch.as_tensor(_channels(images, config, scaling)).to(device)
            with autocast(device, config.precision):
                loss = F.cross_entropy(model(inputs).float(), labels[chosen].to(device))
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        row = {"epoch": epoch, "train_loss": float(np.mean(losses)), "seconds": time.perf_counter() - started,
               **_validation_row(model, validation, config, scaling, device)}
        history.append(row)
        logger.info("fingerprint epoch %d/%d: loss %.4f, held-out loss %.4f, accuracy %.3f (%.1f s)", epoch, config.epochs,
                    row["train_loss"], row["validation_loss"], row["validation_accuracy"], row["seconds"])
        if row["validation_loss"] < best["loss"]:
            best = {"epoch": epoch, "loss": row["validation_loss"],
                    "model": {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}}
        if config.patience and best["model"] is not None and epoch - best["epoch"] >= config.patience:
            break
    table = pd.DataFrame(history)
    kept = len(table)
    if config.patience and best["model"] is not None:
        model.load_state_dict(best["model"])
        kept = best["epoch"]
    table["kept"] = table["epoch"] == kept
    return model.eval(), scaling, table


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature T minimising the negative log-likelihood of ``softmax(logits / T)`` on held-out images
    (Guo et al., ICML 2017), searched over log T in [-3, 3]. 1.0 without held-out images, and when every
    held-out image is right: their likelihood then only grows as T falls, so they cannot set it."""
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    if len(labels) == 0 or (logits.argmax(axis=1) == labels).all():
        return 1.0
    search = minimize_scalar(lambda log_t: negative_log_likelihood(logits, labels, np.exp(log_t)), bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(search.x))


def fit_combination(logits: np.ndarray, distances: np.ndarray, labels: np.ndarray, prior: float = 0.01) -> tuple[float, float]:
    """Weights (a, b) of the class scores ``a * logits - b * distances`` (distances to each class's nearest real,
    in units of :func:`nearest_real.distance_unit`), minimising the held-out images' negative log-likelihood plus
    ``prior * (log a)² + prior * (log b)²``: a weak pull towards (1, 1), since with every held-out image right
    the likelihood alone has no minimum. (1, 1) without held-out images."""
    logits, distances, labels = np.asarray(logits, np.float64), np.asarray(distances, np.float64), np.asarray(labels)
    if len(labels) == 0:
        return 1.0, 1.0

    def objective(log_weights: np.ndarray) -> float:
        a, b = np.exp(log_weights)
        scores = a * logits - b * distances
        return float(-log_softmax(scores, axis=1)[np.arange(len(labels)), labels].mean() + prior * (log_weights**2).sum())

    found = minimize(objective, np.zeros(2), method="L-BFGS-B", bounds=[(-5.0, 5.0), (-5.0, 5.0)])
    a, b = np.exp(found.x)
    return float(a), float(b)


def class_scores(logits: np.ndarray, distances: np.ndarray | None, weights: tuple[float, float]) -> np.ndarray:
    """``a * logits - b * distances`` (just ``a * logits`` without distances): the scores whose softmax is the
    calibrated probability of each class."""
    a, b = weights
    scores = a * np.asarray(logits, dtype=np.float64)
    return scores if distances is None else scores - b * np.asarray(distances, dtype=np.float64)


def calibrated_probabilities(scores: np.ndarray) -> np.ndarray:
    return softmax(np.asarray(scores, dtype=np.float64), axis=1)
