"""Nodes of ``subtask2_fingerprint``: a CNN that attributes each test image to the generator whose traces it
carries (residual and DCT channels), weighed with how close the image comes to each subset's real training
images (``content``: a generator that memorised emits near copies), with calibrated probabilities and an optional
``unknown`` decision for images of a generator no subset trained."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.metrics import attribution_metrics
from gans_fingerprints.evaluation.open_set import (
    LayerMahalanobis,
    beyond_threshold,
    conformal_p_values,
    keep_known_setting,
    open_set_labels,
    open_set_result,
    unknown_threshold,
)
from gans_fingerprints.evaluation.splits import check_subtask2_training
from gans_fingerprints.evaluation.subtask2 import evaluate_subtask2, make_subtask2_run_file
from gans_fingerprints.evaluation.summary import format_number, method_summary, subtask2_metric_columns
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
            inference_batch_size=int(params["inference"]["batch_size"]), flip_average=bool(params["inference"].get("flip_average", True)),
            precision=str(params["precision"]), seed=int(params["seed"]),
        )
    except ValueError as error:
        raise UserInputError(f"{METHOD}: {error} (parameters_subtask2_fingerprint.yml).") from error


def _subsets(split: pd.DataFrame) -> list[str]:
    """The subsets the split labels, in natural order: class k is the k-th."""
    return sorted(split["subset"].dropna().astype(str).unique(), key=natural_key)


def _labelled_rows(rows: pd.DataFrame, images: np.ndarray, index: dict[str, int]):
    """The images of ``rows`` (in stack order) with their class indices."""
    from gans_fingerprints.models.fingerprint_training import LabelledImages  # noqa: PLC0415

    rows = rows.sort_values("stack_index")
    return LabelledImages(np.asarray(images[rows["stack_index"].to_numpy()]) if len(rows) else images[:0],
                          rows["subset"].map(index).to_numpy())


def _labelled(split: pd.DataFrame, images: np.ndarray, fold: str, roles: list[str], index: dict[str, int]):
    return _labelled_rows(split[(split["fold"] == fold) & split["role"].isin(roles)], images, index)


def _content_config(params: dict[str, Any]):
    from gans_fingerprints.models.nearest_real import NearestRealConfig  # noqa: PLC0415

    content = params["content"]
    try:
        return NearestRealConfig(size=int(content["size"]), sigma=float(content["sigma"]), max_shift=int(content["max_shift"]),
                                 batch_size=int(content["batch_size"]))
    except ValueError as error:
        raise UserInputError(f"{METHOD}: {error} (parameters_subtask2_fingerprint.yml).") from error


def _reals(split: pd.DataFrame, subsets: list[str]) -> pd.DataFrame:
    """Every real training image (both folds): the references of the nearest-real distances."""
    return split[split["role"].eq("real") & split["subset"].isin(subsets)].sort_values("stack_index")


def _subsets_without_reals(split: pd.DataFrame, subsets: list[str]) -> list[str]:
    return sorted(set(subsets) - set(_reals(split, subsets)["subset"]), key=natural_key)


def _content_active(split: pd.DataFrame, subsets: list[str], params: dict[str, Any]) -> bool:
    """``content.enabled``, and every subset has real training images; a warning says why it is off otherwise."""
    if not params["content"]["enabled"]:
        return False
    missing = _subsets_without_reals(split, subsets)
    if missing:
        logger.warning("%s: content.enabled, but subsets %s have no real training images (subtask2/train/real/<subset>): the "
                       "nearest-real evidence is left out and only the traces decide.", TITLE, missing)
        return False
    return True


def _reference_reals(split: pd.DataFrame, images: np.ndarray, subsets: list[str], config) -> tuple[np.ndarray, np.ndarray]:
    """The reals reduced for comparison (read a batch at a time) and their class indices."""
    from gans_fingerprints.models.nearest_real import reduced  # noqa: PLC0415

    reals = _reals(split, subsets)
    rows = reals["stack_index"].to_numpy()
    stacked = [reduced(np.asarray(images[rows[i:i + config.batch_size]]), config) for i in range(0, len(rows), config.batch_size)]
    return np.concatenate(stacked), reals["subset"].map({s: i for i, s in enumerate(subsets)}).to_numpy()


def train_subtask2_fingerprint(
    split: pd.DataFrame, train_images: np.ndarray, params: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Train on the training fold, then on the held-out generated images: pick the epoch (lowest loss), fit the
    weights of the evidence (the temperature of the logits, and with ``content`` the weight of the distances to
    each subset's nearest real), and calibrate the open set (a threshold on the held-out scores, or with
    ``open_set.enabled`` and ``cross_fit_folds`` the fold networks of conformal p-values); the validation metrics are
    of those same held-out images.

    Returns the model bundle, its history, its parameters and the validation metrics.
    """
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.fingerprint_training import (  # noqa: PLC0415
        class_scores,
        fit_combination,
        fit_temperature,
        layer_outputs,
        negative_log_likelihood,
        network_outputs,
        steps_per_epoch,
        train_fingerprint,
    )
    from gans_fingerprints.models.nearest_real import distance_unit, nearest_real_distances  # noqa: PLC0415

    roles = [str(role) for role in params["train_roles"]]
    if not roles or set(roles) - set(ROLES):
        raise UserInputError(f"{METHOD}.train_roles must list some of {list(ROLES)}, got {roles} (parameters_subtask2_fingerprint.yml).")
    check_subtask2_training(split, tuple(dict.fromkeys(["generated", *roles])))  # real images only when it learns from them
    keep_known, config = keep_known_setting(params, METHOD), _config(params)
    subsets = _subsets(split)
    index = {subset: i for i, subset in enumerate(subsets)}
    train = _labelled(split, train_images, "train", roles, index)
    held_out = _labelled(split, train_images, "validation", ["generated"], index)
    device = resolve_device(str(params["device"]))
    model, scaling, history = train_fingerprint(train, held_out, len(subsets), config, device)

    train_generated = train if roles == ["generated"] else _labelled(split, train_images, "train", ["generated"], index)
    train_layers = layer_outputs(model, train_generated.images, config, scaling, device)
    open_set = LayerMahalanobis.fit(train_layers, train_generated.labels, len(subsets))
    logits, held_out_layers = network_outputs(model, held_out.images, config, scaling, device)
    kept = history[history["kept"]].iloc[0]
    folds = int(params["open_set"].get("cross_fit_folds", 0)) if params["open_set"]["enabled"] else 0
    kept_recipe = replace(config, epochs=int(kept["epoch"]), min_steps=int(kept["epoch"]) * steps_per_epoch(len(train), config))
    fold_scorers = _cross_fitted_scorers(split, train_images, roles, kept_recipe, device, folds) if folds > 1 else []
    known_scores = np.concatenate([f["scores"].numpy() for f in fold_scorers]) if fold_scorers else open_set.score(held_out_layers)
    threshold = None if fold_scorers else unknown_threshold(known_scores, keep_known)  # folds: p-values decide (predict)
    if fold_scorers and (1 + len(known_scores)) * (1 - keep_known) <= 1:
        logger.warning("%s: %d out-of-fold images cannot give a p-value below 1 - keep_known = %.3g: nothing will be called %s. "
                       "Lower open_set.keep_known to at most %.3f or give it more generated training images.", TITLE,
                       len(known_scores), 1 - keep_known, UNKNOWN_SUBSET, 1 - 1.5 / (1 + len(known_scores)))
    content = _content_config(params) if _content_active(split, subsets, params) else None
    distances, unit = None, None
    if content is None:
        weights = (1.0 / fit_temperature(logits, held_out.labels), 0.0)
    else:
        reals, real_labels = _reference_reals(split, train_images, subsets, content)
        unit = distance_unit(reals, content, config.seed)
        distances = nearest_real_distances(held_out.images, reals, real_labels, len(subsets), content) / unit
        weights = fit_combination(logits, distances, held_out.labels)
    scores = class_scores(logits, distances, weights)
    parameters = {
        **config.as_dict(), "train_roles": roles, "subsets": subsets, "device": str(device), "image_size": int(train_images.shape[1]),
        "train_images": len(train), "validation_images": len(held_out), "epochs_trained": len(history), "kept_epoch": int(kept["epoch"]),
        "temperature": 1.0 / weights[0], "content": None if content is None else {**content.as_dict(), "unit": unit},
        "content_weight": weights[1], "open_set_threshold": threshold, "open_set_keep_known": keep_known,
        "open_set_calibration": f"{len(known_scores)} out-of-fold generated images, {folds} folds (conformal p-values)" if folds > 1
        else f"{len(known_scores)} held-out generated images",
    }
    bundle = {"parameters": parameters, **_scorer_tensors(model, scaling, open_set), "open_set_folds": fold_scorers}
    truth = np.array(subsets)[held_out.labels] if len(held_out) else np.array([], dtype=str)
    attribution = attribution_metrics(truth, _labels(scores, subsets), subsets)
    alone = {"fingerprint": logits, "nearest_real": None if distances is None else -distances}  # each source's own scores
    evidence = {name: None if values is None else attribution_metrics(truth, _labels(values, subsets), subsets)["accuracy"]
                for name, values in alone.items()}
    before = negative_log_likelihood(logits, held_out.labels) if len(held_out) else None
    after = negative_log_likelihood(scores, held_out.labels) if len(held_out) else None
    validation = {
        "method": METHOD, "attribution": attribution, "evidence_accuracy": evidence,
        "calibration": {"temperature": parameters["temperature"], "content_weight": weights[1],
                        "negative_log_likelihood_before": before, "negative_log_likelihood_after": after},
        "open_set": {"threshold": threshold, "keep_known": keep_known, "calibration": parameters["open_set_calibration"]},
    }
    logger.info("%s: kept epoch %d of %d, held-out accuracy %.3f on %d images (traces alone %s, nearest real alone %s), "
                "temperature %.3f, nearest-real weight %.3f", TITLE, parameters["kept_epoch"], len(history), attribution["accuracy"],
                len(held_out), format_number(evidence["fingerprint"]), format_number(evidence["nearest_real"]),
                parameters["temperature"], weights[1])
    parameters["near_chance"] = validation["near_chance"] = _near_chance(attribution, len(subsets), params)
    return bundle, history, parameters, validation


def _scorer_tensors(model, scaling, statistic: LayerMahalanobis) -> dict[str, Any]:
    """A network, its input standardisation and its layer statistics as tensors only (torch.load's weights_only
    refuses numpy arrays)."""
    import torch  # noqa: PLC0415

    def tensor(value: Any) -> Any:
        return [tensor(v) for v in value] if isinstance(value, list) else torch.from_numpy(np.asarray(value))

    return {"state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "standardisation": {"mean": tensor(scaling.mean), "scale": tensor(scaling.scale)},
            "open_set": {key: tensor(value) for key, value in statistic.as_arrays().items()}}


def _load_scorer(fields: dict[str, Any], config, n_classes: int, device):
    """The network (on ``device``), standardisation and layer statistics :func:`_scorer_tensors` saved."""
    from gans_fingerprints.models.fingerprint_inputs import Standardisation  # noqa: PLC0415

    model = config.network(n_classes)
    model.load_state_dict(fields["state_dict"])
    stats = fields["open_set"]
    statistic = LayerMahalanobis([t.numpy() for t in stats["centroids"]], [t.numpy() for t in stats["precisions"]],
                                 stats["means"].numpy(), stats["scales"].numpy())
    scaling = Standardisation(fields["standardisation"]["mean"].numpy(), fields["standardisation"]["scale"].numpy())
    return model.to(device), scaling, statistic


def _cross_fitted_scorers(split: pd.DataFrame, images: np.ndarray, roles: list[str], config, device, folds: int) -> list[dict[str, Any]]:
    """Many more known generators' images to calibrate the open set on than the held-out fold holds: the generated
    training images (both folds) are cut into ``folds`` parts, and for each part a network is trained like the
    kept one (``config.epochs``, no early stopping) on the rest, with its own layer statistics, and scores the part
    it never saw. Each fold's network and scores are kept: a test image is scored by every fold's network against
    that fold's scores (cross-conformal p-values, Vovk 2015), so no score is compared across networks."""
    import torch  # noqa: PLC0415

    from gans_fingerprints.models.fingerprint_training import layer_outputs, train_fingerprint  # noqa: PLC0415

    index = {subset: i for i, subset in enumerate(_subsets(split))}
    generated = split[split["role"].eq("generated") & split["subset"].isin(index)].sort_values("stack_index")
    rng = np.random.default_rng(config.seed)  # each subset's images dealt to the folds in turn, the deal carried on from
    assigned, dealt = np.zeros(len(generated), int), 0  # one subset to the next: every fold holds every subset, and folds differ by 1
    for subset in index:
        members = np.flatnonzero(generated["subset"].to_numpy() == subset)
        assigned[rng.permutation(members)] = (dealt + np.arange(len(members))) % folds
        dealt += len(members)

    scorers = []
    for fold in range(folds):
        logger.info("%s: open-set calibration, fold %d of %d", TITLE, fold + 1, folds)
        left_out = generated[assigned == fold]
        rest = split[split["role"].isin(roles) & split["subset"].isin(index) & ~split["stack_index"].isin(left_out["stack_index"])]
        fold_config = replace(config, patience=0, seed=config.seed + fold + 1)
        training = _labelled_rows(rest, images, index)
        model, scaling, _ = train_fingerprint(training, _labelled_rows(rest[:0], images, index), len(index), fold_config, device)
        rest_generated = (training if roles == ["generated"]  # as the kept network's statistics: of generated images only
                          else _labelled_rows(generated[assigned != fold], images, index))
        statistic = LayerMahalanobis.fit(layer_outputs(model, rest_generated.images, config, scaling, device),
                                         rest_generated.labels, len(index))
        scores = statistic.score(layer_outputs(model, _labelled_rows(left_out, images, index).images, config, scaling, device))
        scorers.append({**_scorer_tensors(model, scaling, statistic), "scores": torch.from_numpy(scores)})
    return scorers


def _conformal_p_values(fold_scorers: list[dict[str, Any]], images: np.ndarray, rows: np.ndarray, config, n_classes: int,
                        device) -> np.ndarray:
    """Each image's p-value of belonging with the known generators, each fold's network scoring it against that
    fold's out-of-fold scores (:func:`conformal_p_values`)."""
    from gans_fingerprints.models.fingerprint_training import layer_outputs  # noqa: PLC0415

    scores = []
    for fields in fold_scorers:
        model, scaling, statistic = _load_scorer(fields, config, n_classes, device)
        scores.append(statistic.score(layer_outputs(model, images, config, scaling, device, rows=rows)))
    return conformal_p_values([fields["scores"].numpy() for fields in fold_scorers], scores)


def _labels(scores: np.ndarray, subsets: list[str]) -> np.ndarray:
    return np.array(subsets, dtype=object)[np.asarray(scores).argmax(1)].astype(str) if len(scores) else np.array([], dtype=str)


def _near_chance(attribution: dict[str, Any], n_classes: int, params: dict[str, Any]) -> bool:
    """Whether the held-out accuracy's 95% Wilson lower bound is below chance + ``training.near_chance_margin``
    (logged as a warning: the network may not have learned, or the subsets' generators leave no distinct trace)."""
    if not attribution["n"]:
        return False
    margin = float(params["training"].get("near_chance_margin", 0.1))
    if attribution["accuracy_low"] >= 1 / n_classes + margin:
        return False
    logger.warning("%s NEAR CHANCE: held-out accuracy %.3f on %d images (95%% lower bound %.3f), chance %.3f: not clearly above "
                   "chance + %.2f. The generators may leave no trace it can tell apart and copy too little of their training "
                   "reals for the nearest-real evidence (content.enabled), or it needs more steps (training.min_steps).", TITLE,
                   attribution["accuracy"], attribution["n"],
                   attribution["accuracy_low"], 1 / n_classes, margin)
    return True


def predict_subtask2_fingerprint(
    bundle: dict[str, Any], test_manifest: pd.DataFrame, test_images: np.ndarray, split: pd.DataFrame, train_images: np.ndarray,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Every test image's subset (``unknown`` when ``open_set.enabled`` and its score is beyond the held-out
    threshold, or with cross-fitted calibration its p-value below 1 - keep_known), its calibrated probability of
    each subset, its open-set score (and p-value), and, when the model weighs them, the subset and
    distance of its nearest real training image (in units of the reals' own nearest-neighbour distance: a near
    copy is far below 1)."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.fingerprint_training import (  # noqa: PLC0415
        FingerprintConfig,
        calibrated_probabilities,
        class_scores,
        network_outputs,
    )
    from gans_fingerprints.models.nearest_real import NearestRealConfig, nearest_real_distances  # noqa: PLC0415

    if test_manifest.empty:
        raise UserInputError(f"There are no images in subtask2/test/generated_unknown to attribute ({LAYOUT_DOC}).")
    parameters = bundle["parameters"]
    if "open_set" not in bundle:
        raise UserInputError(f"This {TITLE} model was trained by an older version (no layer statistics for the open-set score): "
                             f"train it again with `kedro run --pipelines {METHOD}`.")
    if "folds" in str(parameters.get("open_set_calibration", "")) and not bundle.get("open_set_folds"):
        raise UserInputError(f"This {TITLE} model was calibrated for the open set by a development version (one threshold over "
                             f"several networks' scores): train it again with `kedro run --pipelines {METHOD}`.")
    if test_images.shape[1] != parameters["image_size"]:
        raise UserInputError(f"{TITLE} was trained on {parameters['image_size']} px images but the test images are "
                             f"{test_images.shape[1]} px: ingest both splits with the same ingestion.image_size.")
    fields = set(FingerprintConfig.__dataclass_fields__)
    saved = {"flip_average": False, **parameters}  # a bundle from before flip_average fitted its weights on one view
    config = FingerprintConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items() if k in fields})
    subsets = list(parameters["subsets"])
    device = resolve_device(str(params["device"]))
    model, scaling, statistic = _load_scorer(bundle, config, len(subsets), device)
    rows = test_manifest["stack_index"].to_numpy()
    logits, layers = network_outputs(model, test_images, config, scaling, device, rows=rows)
    content, distances = parameters.get("content"), None
    if content is not None:
        missing = _subsets_without_reals(split, subsets)
        if missing:
            raise UserInputError(f"{TITLE} was trained to weigh each image's nearest real, but subsets {missing} have no real "
                                 f"training images now: ingest the release it was trained on, or train it again.")
        content_config = NearestRealConfig(**{k: v for k, v in content.items() if k != "unit"})
        reals, real_labels = _reference_reals(split, train_images, subsets, content_config)
        distances = nearest_real_distances(test_images, reals, real_labels, len(subsets), content_config, rows=rows) / content["unit"]
    weights = (1.0 / parameters["temperature"], parameters["content_weight"])
    probabilities = calibrated_probabilities(class_scores(logits, distances, weights))
    score, p_value = statistic.score(layers), None
    predicted = np.array(subsets, dtype=object)[probabilities.argmax(1)]
    if bundle.get("open_set_folds") and params["open_set"]["enabled"]:  # beyond: a p-value below 1 - keep_known
        p_value = _conformal_p_values(bundle["open_set_folds"], test_images, rows, config, len(subsets), device)
        beyond = beyond_threshold(1.0 - p_value, parameters["open_set_keep_known"], params, TITLE)
    else:
        beyond = beyond_threshold(score, parameters["open_set_threshold"], params, TITLE)
    if params["open_set"]["enabled"]:
        predicted[beyond] = UNKNOWN_SUBSET
    nearest = {} if distances is None else {"nearest_real_subset": _labels(-distances, subsets), "nearest_real_distance": distances.min(1)}
    predictions = pd.DataFrame({"image_id": test_manifest["image_id"].astype(str).to_numpy(), "subset": predicted.astype(str),
                                **{f"probability_{s}": probabilities[:, i] for i, s in enumerate(subsets)}, **nearest,
                                "open_set_score": score, **({} if p_value is None else {"open_set_p_value": p_value}),
                                "beyond_threshold": beyond})
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


def _evidence_text(validation: dict[str, Any]) -> str:
    """``; traces alone 0.200, nearest real alone 1.000`` when the model weighed the nearest reals too."""
    evidence = validation.get("evidence_accuracy", {})
    if evidence.get("nearest_real") is None:
        return ""
    return (f"; traces alone {format_number(evidence['fingerprint'])}, nearest real alone {format_number(evidence['nearest_real'])}, "
            f"nearest-real weight {format_number(validation['calibration']['content_weight'])}")


def summarise_subtask2_fingerprint(validation: dict[str, Any], test: dict[str, Any], parameters: dict[str, Any]) -> pd.DataFrame:
    """The pipeline's summary (shared schema): one row, an extension of the paper."""
    attribution, tested = validation["attribution"], bool(test.get("ground_truth"))
    calibration = validation["calibration"]
    return method_summary([{
        "subtask": 2, "method": TITLE, "table": "extension",
        "main_metric": "test accuracy" if tested else "validation accuracy (generated)",
        "main_value": test["accuracy"] if tested else attribution["accuracy"],
        "validation": f"attribution {attribution['accuracy']:.3f} on {attribution['n']} held-out generated images "
                      f"(optimistic: they also picked epoch {parameters['kept_epoch']} and the weights), temperature "
                      f"{calibration['temperature']:.3f}" + _evidence_text(validation)
                      + open_set_result(test)
                      + (" NEAR CHANCE: not clearly learned (see the log)" if parameters.get("near_chance") else ""),
        **subtask2_metric_columns(attribution, test if tested else None),
        "weights": "trained from scratch",
        "settings": f"inputs {'+'.join(parameters['inputs'])}{' + nearest real' if parameters.get('content') else ''}, "
                    f"trained on {'+'.join(parameters['train_roles'])}, "
                    f"epoch {parameters['kept_epoch']} of {parameters['epochs_trained']} kept, {parameters['image_size']} px",
    }])
