"""Nodes of ``subtask2_fingerprint``: a CNN that attributes each test image to the generator whose traces it
carries (residual and DCT channels), with temperature-calibrated probabilities and an optional ``unknown``
decision for images of a generator no subset trained."""

from __future__ import annotations

import logging
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.distances import class_centroids
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.metrics import attribution_metrics
from gans_fingerprints.evaluation.open_set import (
    beyond_threshold,
    keep_known_setting,
    nearest_centroid_distance,
    open_set_labels,
    open_set_result,
    unknown_threshold,
)
from gans_fingerprints.evaluation.splits import check_subtask2_training
from gans_fingerprints.evaluation.subtask2 import evaluate_subtask2, make_subtask2_run_file
from gans_fingerprints.evaluation.summary import method_summary, subtask2_metric_columns
from gans_fingerprints.layout import LAYOUT_DOC, UNKNOWN_SUBSET, natural_key, natural_order

logger = logging.getLogger(__name__)
METHOD = "subtask2_fingerprint"
TITLE = "Fingerprint CNN"
ROLES = ("real", "generated")


def _config(params: dict[str, Any]):
    from gans_fingerprints.models.fingerprint_training import FingerprintConfig  # noqa: PLC0415 - torch only when used

    model, training = params["model"], params["training"]
    try:
        return FingerprintConfig(
            inputs=tuple(params["inputs"]), filters=tuple(int(f) for f in model["filters"]), grid=int(model["grid"]),
            embedding_dim=int(model["embedding_dim"]), dropout=float(model["dropout"]),
            learning_rate=float(training["learning_rate"]), weight_decay=float(training["weight_decay"]),
            batch_size=int(training["batch_size"]), epochs=int(training["epochs"]), min_steps=int(training["min_steps"]),
            patience=int(training["patience"]), hflip=bool(training["hflip"]),
            inference_batch_size=int(params["inference"]["batch_size"]), precision=str(params["precision"]), seed=int(params["seed"]),
        )
    except ValueError as error:
        raise UserInputError(f"{METHOD}: {error} (parameters_subtask2_fingerprint.yml).") from error


def _labelled(split: pd.DataFrame, images: np.ndarray, fold: str, roles: list[str], index: dict[str, int]):
    from gans_fingerprints.models.fingerprint_training import LabelledImages  # noqa: PLC0415

    rows = split[(split["fold"] == fold) & split["role"].isin(roles)]
    return LabelledImages(np.asarray(images[np.sort(rows["stack_index"].to_numpy())]) if len(rows) else images[:0],
                          rows.sort_values("stack_index")["subset"].map(index).to_numpy())


def train_subtask2_fingerprint(
    split: pd.DataFrame, train_images: np.ndarray, params: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Train on the training fold, then on the held-out generated images: pick the epoch (lowest loss), fit
    the temperature, and set the open-set threshold; the validation metrics are of those same images.

    Returns the model bundle, its history, its parameters and the validation metrics.
    """
    import torch  # noqa: PLC0415 - torch only when training

    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.fingerprint_training import (  # noqa: PLC0415
        fit_temperature,
        negative_log_likelihood,
        network_outputs,
        train_fingerprint,
    )

    roles = [str(role) for role in params["train_roles"]]
    if not roles or set(roles) - set(ROLES):
        raise UserInputError(f"{METHOD}.train_roles must list some of {list(ROLES)}, got {roles} (parameters_subtask2_fingerprint.yml).")
    check_subtask2_training(split, tuple(dict.fromkeys(["generated", *roles])))  # real images only when it learns from them
    keep_known, config = keep_known_setting(params, METHOD), _config(params)
    subsets = sorted(split["subset"].dropna().astype(str).unique(), key=natural_key)
    index = {subset: i for i, subset in enumerate(subsets)}
    train = _labelled(split, train_images, "train", roles, index)
    held_out = _labelled(split, train_images, "validation", ["generated"], index)
    device = resolve_device(str(params["device"]))
    model, scaling, history = train_fingerprint(train, held_out, len(subsets), config, device)

    train_generated = train if roles == ["generated"] else _labelled(split, train_images, "train", ["generated"], index)
    _, train_embeddings = network_outputs(model, train_generated.images, config, scaling, device)
    centroids = class_centroids(train_embeddings, train_generated.labels, len(subsets))
    logits, embeddings = network_outputs(model, held_out.images, config, scaling, device)
    temperature = fit_temperature(logits, held_out.labels)
    threshold = unknown_threshold(nearest_centroid_distance(embeddings, centroids), keep_known)
    kept = history[history["kept"]].iloc[0]
    parameters = {
        **config.as_dict(), "train_roles": roles, "subsets": subsets, "device": str(device), "image_size": int(train_images.shape[1]),
        "train_images": len(train), "validation_images": len(held_out), "epochs_trained": len(history), "kept_epoch": int(kept["epoch"]),
        "temperature": temperature, "open_set_threshold": threshold, "open_set_keep_known": keep_known,
    }
    bundle = {"state_dict": {k: v.cpu() for k, v in model.state_dict().items()}, "parameters": parameters,  # tensors only:
              "standardisation": {"mean": torch.from_numpy(scaling.mean), "scale": torch.from_numpy(scaling.scale)},  # torch.load's
              "centroids": torch.from_numpy(np.asarray(centroids, dtype=np.float32))}  # weights_only refuses numpy arrays
    predicted = np.array(subsets)[logits.argmax(1)] if len(logits) else np.array([], dtype=str)
    truth = np.array(subsets)[held_out.labels] if len(held_out) else np.array([], dtype=str)
    attribution = attribution_metrics(truth, predicted, subsets)
    before, after = (negative_log_likelihood(logits, held_out.labels, t) if len(held_out) else None for t in (1.0, temperature))
    validation = {
        "method": METHOD, "attribution": attribution,
        "calibration": {"temperature": temperature, "negative_log_likelihood_before": before, "negative_log_likelihood_after": after},
        "open_set": {"threshold": threshold, "keep_known": keep_known},
    }
    logger.info("%s: kept epoch %d of %d, held-out accuracy %.3f on %d images, temperature %.3f", TITLE, parameters["kept_epoch"],
                len(history), attribution["accuracy"], len(held_out), temperature)
    parameters["near_chance"] = validation["near_chance"] = _near_chance(attribution, len(subsets), params)
    return bundle, history, parameters, validation


def _near_chance(attribution: dict[str, Any], n_classes: int, params: dict[str, Any]) -> bool:
    """Whether the held-out accuracy's 95% Wilson lower bound is below chance + ``training.near_chance_margin``
    (logged as a warning: the network may not have learned, or the subsets' generators leave no distinct trace)."""
    if not attribution["n"]:
        return False
    margin = float(params["training"].get("near_chance_margin", 0.1))
    if attribution["accuracy_low"] >= 1 / n_classes + margin:
        return False
    logger.warning("%s NEAR CHANCE: held-out accuracy %.3f on %d images (95%% lower bound %.3f), chance %.3f: not clearly above "
                   "chance + %.2f. The generators may leave no trace it can tell apart (it sees traces, not content), or it "
                   "needs more steps (training.min_steps).", TITLE, attribution["accuracy"], attribution["n"],
                   attribution["accuracy_low"], 1 / n_classes, margin)
    return True


def predict_subtask2_fingerprint(
    bundle: dict[str, Any], test_manifest: pd.DataFrame, test_images: np.ndarray, params: dict[str, Any]
) -> pd.DataFrame:
    """Every test image's subset (``unknown`` beyond the open-set threshold when ``open_set.enabled``), its
    calibrated probability of each subset, and its distance to the nearest subset centroid."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.fingerprint_inputs import Standardisation  # noqa: PLC0415
    from gans_fingerprints.models.fingerprint_training import (  # noqa: PLC0415
        FingerprintConfig,
        calibrated_probabilities,
        network_outputs,
    )

    if test_manifest.empty:
        raise UserInputError(f"There are no images in subtask2/test/generated_unknown to attribute ({LAYOUT_DOC}).")
    parameters = bundle["parameters"]
    if test_images.shape[1] != parameters["image_size"]:
        raise UserInputError(f"{TITLE} was trained on {parameters['image_size']} px images but the test images are "
                             f"{test_images.shape[1]} px: ingest both splits with the same ingestion.image_size.")
    fields = set(FingerprintConfig.__dataclass_fields__)
    config = FingerprintConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in parameters.items() if k in fields})
    subsets = list(parameters["subsets"])
    model = config.network(len(subsets))
    model.load_state_dict(bundle["state_dict"])
    device = resolve_device(str(params["device"]))
    model.to(device)
    scaling = Standardisation(bundle["standardisation"]["mean"].numpy(), bundle["standardisation"]["scale"].numpy())
    logits, embeddings = network_outputs(model, test_images, config, scaling, device, rows=test_manifest["stack_index"].to_numpy())
    probabilities = calibrated_probabilities(logits, parameters["temperature"])
    distance = nearest_centroid_distance(embeddings, bundle["centroids"].numpy())
    predicted = np.array(subsets, dtype=object)[probabilities.argmax(1)]
    beyond = beyond_threshold(distance, parameters["open_set_threshold"], params, TITLE)
    if params["open_set"]["enabled"]:
        predicted[beyond] = UNKNOWN_SUBSET
    predictions = pd.DataFrame({"image_id": test_manifest["image_id"].astype(str).to_numpy(), "subset": predicted.astype(str),
                                **{f"probability_{s}": probabilities[:, i] for i, s in enumerate(subsets)},
                                "open_set_distance": distance, "beyond_threshold": beyond})
    return predictions.iloc[natural_order(predictions["image_id"])].reset_index(drop=True)


def write_subtask2_fingerprint_run_file(
    predictions: pd.DataFrame, test_manifest: pd.DataFrame, parameters: dict[str, Any], params: dict[str, Any]
) -> str:
    """The run file, checked against the test folder (``unknown`` is a valid label only with ``open_set.enabled``)."""
    return make_subtask2_run_file(predictions, test_manifest, open_set_labels(parameters["subsets"], params), METHOD)


def evaluate_subtask2_fingerprint(
    predictions: pd.DataFrame, ground_truth: pd.DataFrame, validation: dict[str, Any], parameters: dict[str, Any],
    params: dict[str, Any],
) -> tuple[dict[str, Any], Figure]:
    """Test metrics (when ground truth exists) and the confusion matrix figure."""
    return evaluate_subtask2(predictions, ground_truth, validation, open_set_labels(parameters["subsets"], params), TITLE)


def plot_fingerprint_training(history: pd.DataFrame) -> Figure:
    """Training and held-out loss, and held-out accuracy, per epoch; the kept epoch marked."""
    figure, (loss, accuracy) = plt.subplots(1, 2, figsize=(10, 3.6))
    loss.plot(history["epoch"], history["train_loss"], marker="o", label="training")
    loss.plot(history["epoch"], history["validation_loss"], marker="o", label="held out")
    loss.set(title="cross-entropy", xlabel="epoch", ylabel="loss", yscale="log")
    accuracy.plot(history["epoch"], history["validation_accuracy"], marker="o", color="tab:green")
    accuracy.set(title="attribution accuracy (held out)", xlabel="epoch", ylim=(0, 1.02))
    kept = history.loc[history["kept"], "epoch"]
    for axis in (loss, accuracy):
        if len(kept):
            axis.axvline(kept.iloc[0], color="grey", linestyle="--", linewidth=1, label=f"kept: epoch {int(kept.iloc[0])}")
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def summarise_subtask2_fingerprint(validation: dict[str, Any], test: dict[str, Any], parameters: dict[str, Any]) -> pd.DataFrame:
    """The pipeline's summary (shared schema): one row, an extension of the paper."""
    attribution, tested = validation["attribution"], bool(test.get("ground_truth"))
    calibration = validation["calibration"]
    return method_summary([{
        "subtask": 2, "method": TITLE, "table": "extension",
        "main_metric": "test accuracy" if tested else "validation accuracy (generated)",
        "main_value": test["accuracy"] if tested else attribution["accuracy"],
        "validation": f"attribution {attribution['accuracy']:.3f} on {attribution['n']} held-out generated images "
                      f"(optimistic: they also picked epoch {parameters['kept_epoch']}), temperature {calibration['temperature']:.3f}"
                      + open_set_result(test)
                      + (" NEAR CHANCE: not clearly learned (see the log)" if parameters.get("near_chance") else ""),
        **subtask2_metric_columns(attribution, test if tested else None),
        "weights": "trained from scratch",
        "settings": f"inputs {'+'.join(parameters['inputs'])}, trained on {'+'.join(parameters['train_roles'])}, "
                    f"epoch {parameters['kept_epoch']} of {parameters['epochs_trained']} kept, {parameters['image_size']} px",
    }])
