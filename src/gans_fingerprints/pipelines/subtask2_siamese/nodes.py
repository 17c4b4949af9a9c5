"""Nodes of ``subtask2_siamese``: the paper's Siamese network, trained on real × generated pairs,
attributing each test image to the subset whose real-image centroid is nearest."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.distances import class_centroids, pairwise_distances
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.figures import pca_figure
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
from gans_fingerprints.evaluation.subtask2 import (
    evaluate_subtask2,
    make_subtask2_run_file,
)
from gans_fingerprints.evaluation.summary import format_number, method_summary, subtask2_metric_columns
from gans_fingerprints.layout import LAYOUT_DOC, UNKNOWN_SUBSET, natural_key, natural_order

logger = logging.getLogger(__name__)
METHOD = "subtask2_siamese"


def _subsets(manifest: pd.DataFrame) -> list[str]:
    return sorted(manifest["subset"].dropna().astype(str).unique(), key=natural_key)


def _pair_data(split: pd.DataFrame, images: np.ndarray, every_fold: bool = False):
    """Training pairs' images: the training fold's, the validation fold's generated images held out; with
    ``every_fold`` (the refit), every image trains and nothing is held out."""
    from gans_fingerprints.models.siamese_training import PairData  # noqa: PLC0415 - torch only when used

    subsets = _subsets(split)
    index = {subset: i for i, subset in enumerate(subsets)}
    training = ("train", "validation") if every_fold else ("train",)

    def pick(folds: tuple[str, ...], role: str) -> tuple[np.ndarray, np.ndarray]:
        rows = split[split["fold"].isin(folds) & (split["role"] == role)]
        return np.asarray(images[rows["stack_index"].to_numpy()]), rows["subset"].map(index).to_numpy()

    real, real_labels = pick(training, "real")
    generated, generated_labels = pick(training, "generated")
    held_out, held_out_labels = pick(() if every_fold else ("validation",), "generated")
    fingerprint = hashlib.sha256("".join(split["content_hash"].astype(str) + split["fold"].astype(str)).encode())
    fingerprint.update(b"every fold" if every_fold else b"")
    data = PairData(
        real, real_labels, generated, generated_labels, held_out, held_out_labels, len(subsets), fingerprint.hexdigest()
    )
    return data, subsets


def train_subtask2_siamese(
    split: pd.DataFrame, train_images: np.ndarray, checkpoints: Any, params: dict[str, Any], refit_checkpoints: Any = None
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Train the Siamese branch (and, with ``training.refit``, a second network on every training image, with its own
    checkpoints); returns the model (weights, config, subsets), its history and its parameters."""
    check_subtask2_training(split)
    if params["training"].get("refit", False) and params["open_set"]["enabled"]:  # before minutes of training
        raise UserInputError(f"{METHOD}: open_set needs the held-out images to set its threshold, and training.refit trains on "
                             "them: set training.refit: false to use open_set (parameters_subtask2_siamese.yml).")
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only when training
    from gans_fingerprints.models.siamese_training import (  # noqa: PLC0415
        config_from_params,
        near_chance,
        steps_per_epoch,
        train_siamese,
    )

    data, subsets = _pair_data(split, train_images)
    config = config_from_params(params, int(train_images.shape[1]))
    device = resolve_device(str(params["device"]))
    model, history = train_siamese(data, config, device, checkpoints, resume=bool(params["training"]["resume"]))
    from_checkpoint = int(history["from_checkpoint"].sum())
    settings = {
        **asdict(config),
        "filters": list(config.filters),
        "subsets": subsets,
        "device": str(device),
        "epochs_trained": len(history),
        "epochs_from_checkpoint": from_checkpoint,
        "reused_finished_checkpoint": from_checkpoint == len(history),
        "steps_per_epoch": steps_per_epoch(data, config),
        "kept_epoch": int(history.loc[history["kept"], "epoch"].iloc[0]),
        "kept_validation_accuracy": float(history.loc[history["kept"], "validation_attribution_accuracy"].iloc[0]),
        "near_chance": near_chance(history, data.n_classes, config.near_chance_margin, len(data.validation_generated)),
    }
    bundle = {"state_dict": _cpu(model), "config": settings}
    del data, model  # the refit copies every training image again
    if params["training"].get("refit", False):
        bundle["selection_state_dict"] = bundle["state_dict"]
        refit = _refit(split, train_images, config, settings, device, refit_checkpoints, bool(params["training"]["resume"]))
        bundle["state_dict"] = _cpu(refit)
    return bundle, history, settings


def _cpu(model) -> dict[str, Any]:
    return {k: v.cpu() for k, v in model.state_dict().items()}


def _refit(  # noqa: PLR0913 - the refit's inputs
    split: pd.DataFrame, train_images: np.ndarray, config: Any, settings: dict[str, Any], device: Any, checkpoints: Any, resume: bool,
):
    """A new network trained on every training image (the validation fold's too), as the authors trained theirs,
    for the kept epoch count and at least the kept run's steps per epoch; it makes the test predictions. Its
    checkpoints are its own (their fingerprint includes the folds), so an interrupted refit resumes."""
    from dataclasses import replace  # noqa: PLC0415

    from gans_fingerprints.models.siamese_training import steps_per_epoch, train_siamese  # noqa: PLC0415

    everything, _ = _pair_data(split, train_images, every_fold=True)
    epochs = settings["kept_epoch"]
    schedule = replace(config, epochs=epochs, patience=0, min_steps=epochs * settings["steps_per_epoch"])
    logger.info("Siamese refit on every training image (%d reals, %d generated): %d epochs of %d steps, the kept schedule.",
                len(everything.real), len(everything.generated), epochs, steps_per_epoch(everything, schedule))
    model, _ = train_siamese(everything, schedule, device, checkpoints, resume=resume)
    settings.update(refit=True, refit_real_images=len(everything.real), refit_epochs=epochs,
                    refit_steps_per_epoch=steps_per_epoch(everything, schedule))
    return model


def _load_model(bundle: dict[str, Any], weights: str = "state_dict"):
    """The network of ``bundle``: its final weights, or (``selection_state_dict``) the kept run's before a refit."""
    from gans_fingerprints.models.siamese import SiameseBranch  # noqa: PLC0415

    config = bundle["config"]
    model = SiameseBranch(int(config["image_size"]), tuple(config["filters"]), int(config["embedding_dim"]))
    model.load_state_dict(bundle.get(weights, bundle["state_dict"]))
    return model


def _embedding_table(rows: pd.DataFrame, embeddings: np.ndarray, columns: list[str]) -> pd.DataFrame:
    names = [f"e{i:03d}" for i in range(embeddings.shape[1])]
    return pd.concat([rows[columns].reset_index(drop=True), pd.DataFrame(embeddings, columns=names)], axis=1)


def embed_subtask2_images(
    bundle: dict[str, Any],
    split: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Embed every image once (batched, no gradients): the training images by the kept run's network (validation
    and the PCA figure read them), the test images by the final one, and the reals that set the test centroids
    (the training fold's; every fold's after a refit, embedded by the refit network)."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.siamese_training import batch_size_setting, embed_images  # noqa: PLC0415

    if test_manifest.empty:
        raise UserInputError(f"There are no images in subtask2/test/generated_unknown to attribute ({LAYOUT_DOC}).")
    size = int(bundle["config"]["image_size"])
    if "selection_state_dict" in bundle and params["open_set"]["enabled"]:  # the threshold lives in the kept network's space
        raise UserInputError(f"{METHOD}: this model was refit on every training image, so no held-out image can set an open-set "
                             "threshold in its space: train with training.refit: false to use open_set.")
    if test_images.shape[1:] != (size, size):
        raise UserInputError(
            f"The Siamese model was trained on {size} px images but the test images are "
            f"{test_images.shape[1]} px: ingest both splits with the same ingestion.image_size."
        )
    device = resolve_device(str(params["device"]))
    final, kept = _load_model(bundle).to(device), _load_model(bundle, "selection_state_dict").to(device)
    batch = batch_size_setting(params["inference"]["batch_size"])
    precision = str(params.get("precision", "auto"))
    columns = ["image_id", "relative_path", "role", "subset", "fold"]
    train = _embedding_table(split, embed_images(kept, train_images, device, batch, rows=split["stack_index"].to_numpy(),
                                                 precision=precision), columns)
    test = embed_images(final, test_images, device, batch, rows=test_manifest["stack_index"].to_numpy(), precision=precision)
    if "selection_state_dict" in bundle:
        reals = split[split["role"] == "real"]
        reference = _embedding_table(reals, embed_images(final, train_images, device, batch, rows=reals["stack_index"].to_numpy(),
                                                         precision=precision), columns)
    else:
        reference = train[(train["role"] == "real") & (train["fold"] == "train")].reset_index(drop=True)
    return train, _embedding_table(test_manifest, test, ["image_id", "relative_path"]), reference


def _vectors(table: pd.DataFrame) -> np.ndarray:
    return table[[c for c in table.columns if c.startswith("e") and c[1:].isdigit()]].to_numpy(dtype=np.float32)


def fit_subset_centroids(reference_embeddings: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Mean embedding of each subset's reference reals (optionally renormalised)."""
    reals = reference_embeddings
    subsets = _subsets(reals)
    labels = reals["subset"].map({s: i for i, s in enumerate(subsets)}).to_numpy()
    centroids = class_centroids(_vectors(reals), labels, len(subsets), bool(params["inference"]["renormalise_centroids"]))
    return _embedding_table(pd.DataFrame({"subset": subsets}), centroids, ["subset"])


def _distances(table: pd.DataFrame, centroids: pd.DataFrame) -> np.ndarray:
    """Distances (rows, subsets) from each embedding of ``table`` to each subset's centroid."""
    return pairwise_distances(_vectors(table), _vectors(centroids))


def _best_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The distance threshold (d < t means "same subset") with the highest accuracy on these pairs."""
    candidates = np.unique(distances)
    cuts = np.concatenate([[candidates[0] - 1e-6], (candidates[1:] + candidates[:-1]) / 2, [candidates[-1] + 1e-6]])
    accuracy = [((distances < cut) == same).mean() for cut in cuts]
    return float(cuts[int(np.argmax(accuracy))])


def validate_subtask2_siamese(train_embeddings: pd.DataFrame, params: dict[str, Any]) -> dict[str, Any]:
    """Held-out metrics of the kept run's network (never the refit's, which trained on these images): attribution
    of validation generated images to the training fold's real centroids, and pair verification.

    Pair verification uses every positive validation real × generated pair and as many negatives.
    Its threshold is chosen on validation pairs by two-fold cross-fitting (pick on one half, score
    the other, both ways), so the reported accuracy is not scored on the pairs that set it.
    """
    centroids = fit_subset_centroids(train_embeddings[(train_embeddings["role"] == "real") & (train_embeddings["fold"] == "train")],
                                     params)
    subsets = list(centroids["subset"])
    held_out = train_embeddings[(train_embeddings["fold"] == "validation") & (train_embeddings["role"] == "generated")]
    predicted = np.array(subsets)[_distances(held_out, centroids).argmin(axis=1)]
    attribution = attribution_metrics(held_out["subset"].astype(str), predicted, subsets)

    rng = np.random.default_rng(int(params["seed"]))
    reals = train_embeddings[(train_embeddings["fold"] == "validation") & (train_embeddings["role"] == "real")]
    distance = pairwise_distances(_vectors(reals), _vectors(held_out))
    same = reals["subset"].to_numpy()[:, None] == held_out["subset"].to_numpy()[None]
    positives, negatives = distance[same], distance[~same]
    negatives = rng.choice(negatives, size=min(len(negatives), len(positives)), replace=False)
    pair_distance = np.concatenate([positives, negatives])
    pair_same = np.concatenate([np.ones(len(positives), bool), np.zeros(len(negatives), bool)])
    halves = rng.permutation(len(pair_distance)) % 2 == 0
    scores = []
    for fit, score in ((halves, ~halves), (~halves, halves)):
        threshold = _best_threshold(pair_distance[fit], pair_same[fit])
        scores.append(float(((pair_distance[score] < threshold) == pair_same[score]).mean()))
    keep_known = keep_known_setting(params, METHOD)
    return {
        "method": METHOD,
        "attribution": attribution,
        "open_set": {"threshold": unknown_threshold(nearest_centroid_distance(_vectors(held_out), _vectors(centroids)), keep_known),
                     "keep_known": keep_known},
        "pair_verification": {
            "accuracy_cross_fitted": float(np.mean(scores)),
            "threshold": _best_threshold(pair_distance, pair_same),
            "pairs": len(pair_distance),
            "positive_pairs": len(positives),
        },
    }


def predict_subtask2(
    test_embeddings: pd.DataFrame, centroids: pd.DataFrame, validation: dict[str, Any], params: dict[str, Any]
) -> pd.DataFrame:
    """The subset of the nearest centroid for every test image, with the distances to each; with
    ``open_set.enabled``, ``unknown`` for an image farther from every centroid than the held-out threshold."""
    distances = _distances(test_embeddings, centroids)
    subsets = list(centroids["subset"])
    predicted = np.array(subsets, dtype=object)[distances.argmin(1)]
    if params["open_set"]["enabled"]:
        predicted[beyond_threshold(distances.min(axis=1), validation["open_set"]["threshold"], params, "Siamese network")] = UNKNOWN_SUBSET
    predictions = pd.DataFrame({"image_id": test_embeddings["image_id"].astype(str), "subset": predicted.astype(str)})
    for i, subset in enumerate(subsets):
        predictions[f"distance_{subset}"] = distances[:, i]
    return predictions.iloc[natural_order(predictions["image_id"])].reset_index(drop=True)


def write_subtask2_siamese_run_file(
    predictions: pd.DataFrame, test_manifest: pd.DataFrame, centroids: pd.DataFrame, params: dict[str, Any]
) -> str:
    """The run file, checked against the test folder (``unknown`` is a valid label only with ``open_set.enabled``)."""
    return make_subtask2_run_file(predictions, test_manifest, open_set_labels(list(centroids["subset"]), params), METHOD)


def evaluate_subtask2_siamese(
    predictions: pd.DataFrame, ground_truth: pd.DataFrame, validation: dict[str, Any], centroids: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[dict[str, Any], Figure]:
    """Test metrics (when ground truth exists) and the confusion matrix figure."""
    return evaluate_subtask2(predictions, ground_truth, validation, open_set_labels(list(centroids["subset"]), params), METHOD)


def plot_training_curves(history: pd.DataFrame) -> Figure:
    """Training loss and validation attribution accuracy per epoch, the kept epoch marked."""
    figure, (loss, accuracy) = plt.subplots(1, 2, figsize=(10, 3.6))
    loss.plot(history["epoch"], history["train_loss"], marker="o")
    loss.set(title="contrastive loss (training)", xlabel="epoch", ylabel="loss")
    accuracy.plot(history["epoch"], history["validation_attribution_accuracy"], marker="o", color="tab:green")
    if "kept" in history and history["kept"].any():
        kept = history[history["kept"]].iloc[0]
        for axis, corner in ((loss, "upper right"), (accuracy, "lower right")):
            axis.axvline(kept["epoch"], color="grey", linestyle="--", linewidth=1, label=f"kept: epoch {int(kept['epoch'])}")
            axis.legend(loc=corner, fontsize=8)
    accuracy.set(title="attribution accuracy (validation)", xlabel="epoch", ylim=(0, 1.02))
    figure.tight_layout()
    return figure


def plot_embedding_pca(train_embeddings: pd.DataFrame) -> Figure:
    """PCA-2D of the training images' embeddings: real 'o', generated '^', colour by subset."""
    return pca_figure(
        _vectors(train_embeddings),
        train_embeddings["subset"].astype(str),
        train_embeddings["role"].eq("real"),
        "Siamese embeddings of the training images (PCA 2D)",
    )


def summarise_subtask2_siamese(
    validation: dict[str, Any], test: dict[str, Any], parameters: dict[str, Any], params: dict[str, Any]
) -> pd.DataFrame:
    """The pipeline's summary (shared schema): the paper's Table 5 row; an extension with ``open_set.enabled``."""
    attribution, tested = validation["attribution"], bool(test.get("ground_truth"))
    open_set = bool(params["open_set"]["enabled"])
    return method_summary([{
        "subtask": 2, "method": "Siamese network", "table": "extension" if open_set else "Table 5",
        "main_metric": "test accuracy" if tested else "validation accuracy (generated)",
        "main_value": test["accuracy"] if tested else attribution["accuracy"],
        "validation": f"attribution {attribution['accuracy']:.3f}, pair verification "
                      f"{validation['pair_verification']['accuracy_cross_fitted']:.3f}"
                      + (f" (optimistic: these images also picked epoch {parameters['kept_epoch']})"
                         if parameters.get("patience") and not pd.isna(parameters.get("kept_validation_accuracy", float("nan"))) else "")
                      + (f", open set: unknown beyond {format_number(validation['open_set']['threshold'])}" if open_set else "")
                      + open_set_result(test)
                      + (" NEAR CHANCE: not clearly learned (see the log)" if parameters.get("near_chance") else ""),
        **subtask2_metric_columns(attribution, test if tested else None),
        "weights": "trained from scratch",
        "settings": (f"refit on every training image for {parameters['refit_epochs']} epochs of {parameters['refit_steps_per_epoch']} "
                     "steps after " if parameters.get("refit") else "")
                    + f"epoch {parameters.get('kept_epoch', parameters['epochs'])} of {parameters['epochs']} kept, "
                    f"{parameters.get('steps_per_epoch', '?')} steps per epoch, {parameters['pair_sampling']} pairs, "
                    f"lr {parameters['learning_rate']}, {parameters['image_size']} px",
    }])
