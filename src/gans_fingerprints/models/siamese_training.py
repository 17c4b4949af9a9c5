"""Training the Siamese branch on real × generated pairs (drawn by ``siamese_pairs``), embedding,
and nearest-centroid inference. Pixels are scaled to [0, 1] in training and inference alike."""

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

from gans_fingerprints.devices import PRECISIONS, autocast, channels_last
from gans_fingerprints.distances import class_centroids, nearest_centroid
from gans_fingerprints.evaluation.metrics import wilson_interval
from gans_fingerprints.models.checkpoints import CheckpointStore
from gans_fingerprints.models.siamese import SiameseBranch
from gans_fingerprints.models.siamese_pairs import PAIR_SAMPLING_MODES, PairData, PairSampler, batch_loss, to_unit
from gans_fingerprints.progress import track

logger = logging.getLogger(__name__)
__all__ = ["PairData", "SiameseConfig", "class_centroids", "config_from_params", "embed_images", "near_chance", "steps_per_epoch",
           "train_siamese", "validation_accuracy"]


@dataclass(frozen=True)
class SiameseConfig:
    """Architecture and schedule; every field is a parameter of the pipeline."""

    image_size: int = 256
    filters: tuple[int, ...] = (16, 32, 64, 128)
    embedding_dim: int = 256
    margin: float = 1.0
    learning_rate: float = 1e-4
    epochs: int = 30
    min_steps: int = 0
    patience: int = 0
    near_chance_margin: float = 0.1
    pair_sampling: str = "paper"
    pairs_per_batch: int = 32
    batch_all_per_class: int = 2
    embed_batch_size: int | str = "auto"
    precision: str = "auto"
    renormalise_centroids: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.pair_sampling not in PAIR_SAMPLING_MODES:
            raise ValueError(f"pair_sampling must be one of {PAIR_SAMPLING_MODES}, got {self.pair_sampling!r}")
        if self.pairs_per_batch < 2 or self.pairs_per_batch % 2:
            raise ValueError(f"pairs_per_batch must be an even number >= 2, got {self.pairs_per_batch}")
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.min_steps < 0 or self.patience < 0:
            raise ValueError(f"min_steps and patience must be >= 0, got {self.min_steps} and {self.patience}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.embed_batch_size != "auto" and (not isinstance(self.embed_batch_size, int) or self.embed_batch_size < 1):
            raise ValueError(f"inference.batch_size must be 'auto' or a positive integer, got {self.embed_batch_size!r}")

    def resume_key(self) -> dict:
        """Settings a checkpoint must share to be resumed (everything but the number of epochs and the warning's margin)."""
        key = asdict(self)
        key.pop("epochs")
        key.pop("near_chance_margin")  # only the warning reads it
        key.pop("embed_batch_size")  # inference only: any batch gives the same embeddings
        key.pop("precision")  # like the device, which is not in the key either: a GPU run may resume a CPU one
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
        min_steps=int(training.get("min_steps", 0)),
        patience=int(training.get("patience", 0)),
        near_chance_margin=float(training.get("near_chance_margin", 0.1)),
        pair_sampling=str(training["pair_sampling"]),
        pairs_per_batch=int(training["pairs_per_batch"]),
        batch_all_per_class=int(training["batch_all_per_class"]),
        embed_batch_size=batch_size_setting(inference["batch_size"]),
        precision=str(params.get("precision", "auto")),
        renormalise_centroids=bool(inference["renormalise_centroids"]),
        seed=int(params["seed"]),
    )


CPU_ACTIVATION_BYTES = 16 * 2**20
"""On a CPU, ``auto`` batches as many images as keep the first convolution's output within this many bytes."""
GPU_INFERENCE_BATCH = 256


def batch_size_setting(value: int | str) -> int | str:
    """``inference.batch_size`` as given: ``auto`` or a positive integer."""
    return "auto" if value == "auto" else int(value)


def inference_batch_size(setting: int | str, model: SiameseBranch, device: torch.device) -> int:
    """Images per forward pass. ``auto``: on a CPU, as many as keep the first activation within
    :data:`CPU_ACTIVATION_BYTES` (4 at 256 px, 68 at 64 px): the branch's first layers are memory-bound, and
    at 256 px batches of 4 ran 281 images/s against 167 for 64 (2 cores, benchmarks/loop_speed.py); on a GPU,
    :data:`GPU_INFERENCE_BATCH`."""
    if setting != "auto":
        return int(setting)
    if device.type != "cpu":
        return GPU_INFERENCE_BATCH
    first = model.features[0]
    side = model.image_size - first.kernel_size[0] + 1
    return max(1, min(GPU_INFERENCE_BATCH, CPU_ACTIVATION_BYTES // (first.out_channels * side * side * 4)))


@torch.no_grad()
def embed_images(
    model: SiameseBranch, images: np.ndarray, device: torch.device, batch_size: int | str = "auto",
    rows: np.ndarray | None = None, precision: str = "auto",
) -> np.ndarray:
    """Embeddings (n, dim, float32) of a uint8 stack (or of its ``rows``), in batches (:func:`inference_batch_size`),
    without gradients, under :func:`~gans_fingerprints.devices.autocast` for ``precision``.

    Rows are read batch by batch, so a memory-mapped stack is never copied whole.
    """
    channels_last(model).eval()
    batch_size = inference_batch_size(batch_size, model, device)
    rows = np.arange(len(images)) if rows is None else np.asarray(rows)
    if len(rows) and images.shape[1:] != (model.image_size, model.image_size):
        size = images.shape[1:]
        raise ValueError(f"the model was built for {model.image_size} px images, these are {size[0]}x{size[1]}")
    chunks = []
    for batch in (rows[start : start + batch_size] for start in range(0, len(rows), batch_size)):
        with autocast(device, precision):
            chunks.append(model(to_unit(images[batch], device)).float().cpu())
    dim = model.embed[1].out_features
    return torch.cat(chunks).numpy() if chunks else np.zeros((0, dim), dtype=np.float32)


def _fingerprint(data: PairData, config: SiameseConfig) -> str:
    """Settings and data a checkpoint must share to be resumed, with the epoch length: under ``min_steps``
    it depends on ``epochs``, and an epoch of another length is not the same epoch."""
    digest = hashlib.sha256(json.dumps(config.resume_key(), sort_keys=True).encode())
    digest.update(data.fingerprint.encode())
    digest.update(f"steps per epoch {steps_per_epoch(data, config)}".encode())
    return digest.hexdigest()[:16]


def validation_accuracy(model: SiameseBranch, data: PairData, config: SiameseConfig, device: torch.device) -> float:
    """Nearest-centroid attribution accuracy of the held-out generated images (centroids: training reals)."""
    if len(data.validation_generated) == 0:
        return float("nan")
    real = embed_images(model, data.real, device, config.embed_batch_size, precision=config.precision)
    centroids = class_centroids(real, data.real_labels, data.n_classes, config.renormalise_centroids)
    held_out = embed_images(model, data.validation_generated, device, config.embed_batch_size, precision=config.precision)
    predicted, _ = nearest_centroid(held_out, centroids)
    return float((predicted == data.validation_generated_labels).mean())


def steps_per_epoch(data: PairData, config: SiameseConfig) -> int:
    """``paper``: #real // pairs per batch (the authors' rule); ``batch_all``: #real // (per class × classes);
    raised so that ``epochs`` epochs make at least ``min_steps`` optimisation steps."""
    if config.pair_sampling == "paper":
        steps = max(1, len(data.real) // config.pairs_per_batch)
    else:
        steps = max(1, len(data.real) // (config.batch_all_per_class * data.n_classes))
    return max(steps, -(-config.min_steps // config.epochs))


@dataclass
class _TrainingState:
    """What a checkpoint holds and a resumed run continues from."""

    model: SiameseBranch
    optimiser: torch.optim.Optimizer
    rng: np.random.Generator
    history: list[dict] = field(default_factory=list)
    start_epoch: int = 1
    best: dict = field(default_factory=lambda: {"epoch": 0, "accuracy": -1.0, "model": None})

    def resume_from(self, saved: dict) -> None:
        self.model.load_state_dict(saved["model"])
        self.optimiser.load_state_dict(saved["optimiser"])
        self.rng.bit_generator.state = saved["rng"]
        torch.set_rng_state(saved["torch_rng"])
        self.history = [{**row, "from_checkpoint": True} for row in saved["history"]]
        self.start_epoch = saved["epoch"] + 1
        self.best = saved.get("best", self.best)

    def checkpoint(self, epoch: int, epochs: int, fingerprint: str) -> dict:
        return {"epoch": epoch, "epochs": epochs, "fingerprint": fingerprint, "model": self.model.state_dict(),
                "optimiser": self.optimiser.state_dict(), "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), "history": self.history, "best": self.best}

    def track_best(self, epoch: int, accuracy: float) -> None:
        """Keep a copy of the weights of the epoch with the highest validation accuracy so far (the first on ties)."""
        if not np.isnan(accuracy) and accuracy > self.best["accuracy"]:
            self.best = {"epoch": epoch, "accuracy": float(accuracy),
                         "model": {name: value.detach().cpu().clone() for name, value in self.model.state_dict().items()}}

    def out_of_patience(self, patience: int) -> bool:
        """Early stopping: ``patience`` epochs have passed without a better validation accuracy."""
        last = self.history[-1]["epoch"] if self.history else 0
        return patience > 0 and self.best["model"] is not None and last - self.best["epoch"] >= patience


def _train_epoch(  # noqa: PLR0913 - one epoch's inputs
    state: _TrainingState, sampler: PairSampler, real: torch.Tensor, generated: torch.Tensor, data: PairData,
    config: SiameseConfig, device: torch.device, epoch: int,
) -> dict:
    """One epoch of steps, then the validation accuracy: the epoch's history row."""
    state.model.train()
    started = time.perf_counter()
    losses: list[float] = []

    def running_loss(losses: list[float] = losses) -> str:
        return f"loss {np.mean(losses):.4f}" if losses else ""

    steps = steps_per_epoch(data, config)
    for _ in track(range(steps), f"epoch {epoch}/{config.epochs}", total=steps, status=running_loss):
        with autocast(device, config.precision):
            loss = batch_loss(state.model, sampler, config.pair_sampling, real, generated, data, config.margin, device).float()
        state.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        state.optimiser.step()
        losses.append(loss.item())
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    trained = time.perf_counter()
    return {
        "epoch": epoch,
        "train_loss": float(np.mean(losses)),
        "validation_attribution_accuracy": validation_accuracy(state.model, data, config, device),
        "seconds": trained - started,
        "validation_seconds": time.perf_counter() - trained,
        "from_checkpoint": False,
    }


def train_siamese(
    data: PairData,
    config: SiameseConfig,
    device: torch.device,
    checkpoints: CheckpointStore | None = None,
    resume: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> tuple[SiameseBranch, pd.DataFrame]:
    """Train for up to ``config.epochs`` epochs; returns the model and one history row per epoch
    (``from_checkpoint`` marks the epochs a resumed run took from its checkpoint, ``kept`` the epoch
    whose weights the model has).

    An epoch has ``#real training images // pairs_per_batch`` steps in ``paper`` mode (the authors'
    rule) and ``#real training images // (per_class × classes)`` in ``batch_all`` mode, so both see
    every real image about once per epoch; ``min_steps`` raises it on small data, where the paper's
    rule gives a few dozen steps in all. After each epoch: validation attribution accuracy, a log
    line, and a checkpoint; with ``resume`` a checkpoint of the same settings and data with at most
    ``config.epochs`` epochs continues from its epoch (see :meth:`CheckpointStore.resumable`).
    With ``patience`` > 0 (and validation images), training stops after ``patience`` epochs without a
    better validation accuracy and the model keeps the best epoch's weights; the held-out images then
    chose the epoch, so their accuracy is no longer an untouched estimate (the test split is). A kept
    validation accuracy that cannot be told from chance (:func:`near_chance`) is logged as a warning.
    """
    torch.manual_seed(config.seed)
    model = channels_last(SiameseBranch(config.image_size, config.filters, config.embedding_dim).to(device))
    state = _TrainingState(model, torch.optim.Adam(model.parameters(), lr=config.learning_rate), np.random.default_rng(config.seed))
    fingerprint = _fingerprint(data, config)
    saved = checkpoints.resumable(fingerprint, config.epochs, "Siamese training") if checkpoints is not None and resume else None
    if saved is not None:
        state.resume_from(saved)

    sampler = PairSampler(data, config.pairs_per_batch, config.batch_all_per_class, state.rng)
    real = torch.as_tensor(np.ascontiguousarray(data.real)).to(device)
    generated = torch.as_tensor(np.ascontiguousarray(data.generated)).to(device)
    for epoch in range(state.start_epoch, config.epochs + 1):
        if state.out_of_patience(config.patience):
            break
        row = _train_epoch(state, sampler, real, generated, data, config, device, epoch)
        state.history.append(row)
        state.track_best(epoch, row["validation_attribution_accuracy"])
        logger.info("Siamese epoch %d/%d: loss %.4f, validation attribution accuracy %.3f (%.1f s training)", epoch, config.epochs,
                    row["train_loss"], row["validation_attribution_accuracy"], row["seconds"])
        if checkpoints is not None:
            checkpoints.save(state.checkpoint(epoch, config.epochs, fingerprint))
        if on_epoch_end is not None:
            on_epoch_end(epoch, row)
    history = pd.DataFrame(state.history)
    kept = len(history)
    if config.patience > 0 and state.best["model"] is not None:
        model.load_state_dict(state.best["model"])
        kept = state.best["epoch"]
        if kept < len(history) or len(history) < config.epochs:
            logger.info("Siamese early stopping: kept epoch %d (validation attribution accuracy %.3f) of %d trained.",
                        kept, state.best["accuracy"], len(history))
    history["kept"] = history["epoch"] == kept
    _warn_near_chance(history, data.n_classes, config.near_chance_margin, len(data.validation_generated))
    return model.eval(), history


def _kept_accuracy(history: pd.DataFrame) -> float:
    accuracy = history.loc[history["kept"], "validation_attribution_accuracy"]
    return float(accuracy.iloc[0]) if len(accuracy) else float("nan")


def accuracy_lower_bound(accuracy: float, n_images: int) -> float:
    """The lower end of the 95% Wilson interval of an accuracy measured on ``n_images`` images."""
    return wilson_interval(round(accuracy * n_images), n_images)[0]


def near_chance(history: pd.DataFrame, n_classes: int, margin: float, n_validation: int) -> bool:
    """Whether the kept epoch's validation attribution accuracy is not clearly above chance: the lower
    end of its 95% Wilson interval on ``n_validation`` images is below chance (1 / classes) + ``margin``.
    With few validation images (the demo has 20) that asks for much more than chance: 0.50 of 20 with
    5 classes has a lower bound of 0.30, and is flagged."""
    accuracy = _kept_accuracy(history)
    if np.isnan(accuracy) or n_validation == 0:
        return False
    return accuracy_lower_bound(accuracy, n_validation) < 1 / n_classes + margin


def _warn_near_chance(history: pd.DataFrame, n_classes: int, margin: float, n_validation: int) -> None:
    if near_chance(history, n_classes, margin, n_validation):
        accuracy = _kept_accuracy(history)
        logger.warning("Siamese network NEAR CHANCE: validation attribution accuracy %.3f on %d images (95%% lower bound %.3f), "
                       "chance %.3f with %d classes: not clearly above chance + margin. It may not have learned: "
                       "raise training.min_steps (optimisation steps "
                       "in all) or epochs, or check the data.", accuracy, n_validation,
                       accuracy_lower_bound(accuracy, n_validation), 1 / n_classes, n_classes)
