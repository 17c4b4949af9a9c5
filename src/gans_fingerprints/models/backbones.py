"""ImageNet CNN backbones as feature extractors (the paper's section 3.1.1).

Each backbone keeps its own preprocessing, the transforms of its torchvision weights: resize,
centre crop to 224 x 224, ImageNet normalisation, and its own interpolation (bicubic for
EfficientNet-B0). The authors' script gave every model DenseNet's preprocessing by accident.
Grayscale is repeated to three channels; the features are the globally average-pooled
penultimate activations.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torchvision
from torch import nn

from gans_fingerprints.devices import autocast, channels_last
from gans_fingerprints.errors import UserInputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone and cut off its classifier."""

    builder: Callable[..., nn.Module]
    weights: Any  # a torchvision WeightsEnum member
    features: int
    head: str  # attribute holding the classifier, replaced by an identity


BACKBONES: dict[str, BackboneSpec] = {
    "mobilenet_v2": BackboneSpec(
        torchvision.models.mobilenet_v2, torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1, 1280, "classifier"
    ),
    "resnet50": BackboneSpec(torchvision.models.resnet50, torchvision.models.ResNet50_Weights.IMAGENET1K_V1, 2048, "fc"),
    "efficientnet_b0": BackboneSpec(
        torchvision.models.efficientnet_b0, torchvision.models.EfficientNet_B0_Weights.IMAGENET1K_V1, 1280, "classifier"
    ),
    "densenet121": BackboneSpec(
        torchvision.models.densenet121, torchvision.models.DenseNet121_Weights.IMAGENET1K_V1, 1024, "classifier"
    ),
}
WEIGHT_CHOICES = ("imagenet", "none")


class MissingWeightsError(UserInputError):
    """ImageNet weights are neither in the torch cache nor downloadable."""


def weights_file(name: str) -> Path:
    """Where torchvision keeps (and looks for) a backbone's ImageNet weights."""
    url = BACKBONES[name].weights.url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def _missing_weights(name: str, reason: str) -> MissingWeightsError:
    spec, path = BACKBONES[name], weights_file(name)
    return MissingWeightsError(
        f"ImageNet weights for {name} are not available ({reason}). Download {spec.weights.url} on a machine "
        f"with internet and put the file at {path} (the torch cache; set TORCH_HOME to move it), or run "
        f"without pretrained weights: --params subtask2_features.weights=none."
    )


def _imagenet_state(name: str, download: bool) -> dict[str, torch.Tensor]:
    path = weights_file(name)
    if not path.exists() and not download:
        raise _missing_weights(name, f"{path.name} is not in the torch cache and downloading is off")
    try:  # torchvision's own loader: the cached file, or a download into the cache
        return BACKBONES[name].weights.get_state_dict(progress=False, check_hash=True)
    except (OSError, RuntimeError, ValueError) as error:  # URLError is an OSError
        raise _missing_weights(name, f"{type(error).__name__}: {error}") from error


def build_backbone(
    name: str, weights: str = "imagenet", download: bool = True, seed: int = 0
) -> tuple[nn.Module, Callable, dict]:
    """The feature extractor, its preprocessing, and a record of which weights it carries.

    With ``weights="none"`` the random initialisation comes from ``seed`` alone (torch's global
    generator is left as it was), so the same seed gives the same features in every run.
    """
    if name not in BACKBONES:
        raise UserInputError(f"Unknown backbone {name!r}; choose from {sorted(BACKBONES)}.")
    if weights not in WEIGHT_CHOICES:
        raise UserInputError(f"weights must be one of {WEIGHT_CHOICES}, got {weights!r}.")
    spec = BACKBONES[name]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = spec.builder(weights=None)
    if weights == "imagenet":
        state = _imagenet_state(name, download)
        try:  # torchvision checks the hash only when it downloads, not for a file already cached
            model.load_state_dict(state)
        except RuntimeError as error:
            raise _missing_weights(name, f"{weights_file(name)} does not hold {name}'s weights; replace it") from error
        record = {"weights": str(spec.weights), "file": str(weights_file(name))}
    else:
        record = {"weights": f"none (random initialisation, seed {seed}; features are not ImageNet features)"}
    setattr(model, spec.head, nn.Identity())
    model.feature_count = spec.features  # type: ignore[assignment]
    record.update({"backbone": name, "features": spec.features, "preprocessing": repr(spec.weights.transforms())})
    return model.eval(), spec.weights.transforms(), record


PRECISIONS = ("float32", "bfloat16")
CPU_BATCH, GPU_BATCH = 4, 64
"""``batch_size: auto``: on 2 CPU cores every backbone ran fastest in batches of 4 (mobilenet_v2 107 images/s against
72 at 16; efficientnet_b0, densenet121 and resnet50 within 10%: activations stay in cache); a GPU wants large ones."""


def backbone_batch_size(setting: int | str, device: torch.device) -> int:
    """Images per forward pass: the setting, or for ``auto`` :data:`CPU_BATCH` on a CPU, :data:`GPU_BATCH` elsewhere."""
    if setting == "auto":
        return CPU_BATCH if device.type == "cpu" else GPU_BATCH
    if int(setting) < 1:
        raise UserInputError(f"batch_size must be 'auto' or a positive integer, got {setting!r}.")
    return int(setting)


@torch.inference_mode()
def extract_features(  # noqa: PLR0913 - the model, its inputs and the loop's keyword options
    model: nn.Module,
    preprocess: Callable,
    images: np.ndarray,
    device: torch.device,
    batch_size: int | str = "auto",
    precision: str = "float32",
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Features (n, F) of a uint8 grayscale stack (n, h, w), or of its ``rows``: batched, no
    gradients, one pass; rows are read batch by batch, so a memory-mapped stack is never copied whole.

    Activations are laid out channels-last (faster convolutions on CPUs and tensor cores).
    ``bfloat16`` runs under autocast: about twice as fast where the hardware supports it, with
    features within about 1% of float32's.
    """
    if precision not in PRECISIONS:
        raise UserInputError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    channels_last(model.eval().to(device))
    batch_size = backbone_batch_size(batch_size, device)
    rows = np.arange(len(images)) if rows is None else np.asarray(rows)
    chunks = []
    for start in range(0, len(rows), batch_size):
        batch = torch.as_tensor(np.ascontiguousarray(images[rows[start : start + batch_size]])).to(device)
        rgb = batch.unsqueeze(1).float().div_(255.0).expand(-1, 3, -1, -1)
        inputs = preprocess(rgb).contiguous(memory_format=torch.channels_last)
        with autocast(device, precision):
            chunks.append(model(inputs).float().cpu())
    if not chunks:
        return np.zeros((0, getattr(model, "feature_count", 0)), dtype=np.float32)
    return torch.cat(chunks).numpy()
