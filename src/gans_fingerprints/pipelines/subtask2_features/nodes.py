"""Nodes of ``subtask2_features``: ImageNet CNN features, then every registered classifier (the paper's
k-means, hierarchical clustering and SVM: section 3.1.1, Tables 4-5, Figures 3-7), one namespace per backbone."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.pipeline import Pipeline as SklearnPipeline
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gans_fingerprints.attribution.registry import Classifier, check_classifier_options, registered_classifiers, split_options
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.clustering import ClusterAttribution
from gans_fingerprints.evaluation.figures import pca_figure
from gans_fingerprints.evaluation.metrics import attribution_metrics
from gans_fingerprints.evaluation.splits import check_subtask2_training
from gans_fingerprints.evaluation.subtask2 import evaluate_subtask2, make_subtask2_run_file
from gans_fingerprints.evaluation.summary import method_summary, subtask2_metric_columns
from gans_fingerprints.layout import LAYOUT_DOC, natural_key, natural_order

logger = logging.getLogger(__name__)


def _feature_table(rows: pd.DataFrame, features: np.ndarray, columns: list[str]) -> pd.DataFrame:
    names = [f"f{i:04d}" for i in range(features.shape[1])]
    return pd.concat([rows[columns].reset_index(drop=True), pd.DataFrame(features, columns=names)], axis=1)


def _matrix(table: pd.DataFrame) -> np.ndarray:
    return table[[c for c in table.columns if c.startswith("f") and c[1:].isdigit()]].to_numpy(dtype=np.float32)


def extract_backbone_features(
    split: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    params: dict[str, Any],
    backbone: str,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Features of every training and test image; the record says which weights made them."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only when extracting
    from gans_fingerprints.models.backbones import build_backbone, extract_features  # noqa: PLC0415

    if "backbones" in params:  # retired: it would otherwise be ignored and every backbone would run
        raise UserInputError(
            "subtask2_features.backbones is gone: every backbone has its own namespace; run some with "
            "`kedro run --namespaces subtask2_features.resnet50` and remove the key from your parameters."
        )
    check_feature_parameters(params)  # before minutes of feature extraction
    check_subtask2_training(split)
    if test_manifest.empty:
        raise UserInputError(f"There are no images in subtask2/test/generated_unknown to attribute ({LAYOUT_DOC}).")
    model, preprocess, record = build_backbone(backbone, str(params["weights"]), bool(params["download_weights"]), int(params["seed"]))
    device = resolve_device(str(params["device"]))
    batch, precision = params["batch_size"], str(params["precision"])
    start = time.perf_counter()
    train = extract_features(model, preprocess, train_images, device, batch, precision, split["stack_index"].to_numpy())
    test = extract_features(model, preprocess, test_images, device, batch, precision, test_manifest["stack_index"].to_numpy())
    seconds = time.perf_counter() - start
    record.update(
        {"device": str(device), "precision": precision, "images": len(train) + len(test), "seconds": round(seconds, 2)}
    )
    logger.info("%s: %d images -> %d features each in %.1f s (%s)", backbone, record["images"], train.shape[1], seconds, record["weights"])
    return (
        _feature_table(split, train, ["image_id", "relative_path", "role", "subset", "fold"]),
        _feature_table(test_manifest, test, ["image_id", "relative_path"]),
        record,
    )


RETIRED_KEYS = {"svm": "classifiers.svm", "hierarchical": "classifiers.hierarchical"}


def check_feature_parameters(params: dict[str, Any]) -> None:
    """Refuse retired keys and classifier blocks that name no classifier or an option it lacks (one line each)."""
    for old, new in RETIRED_KEYS.items():
        if old in params:
            raise UserInputError(f"subtask2_features.{old} is now subtask2_features.{new}; move it in your parameters.")
    check_classifier_options(params.get("classifiers"))


def _estimator(classifier: Classifier, options: dict[str, Any], params: dict[str, Any]) -> Any:
    """The registered estimator, behind the training fold's standardisation when ``standardise`` is on."""
    estimator = classifier.estimator(int(params["seed"]), options)
    return make_pipeline(StandardScaler(), estimator) if params["standardise"] else estimator


def fit_feature_classifiers(
    train_features: pd.DataFrame, params: dict[str, Any], backbone: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every registered classifier fitted on the training fold's images of its ``train_roles`` (its block's, else
    the pipeline's) and scored on the validation fold.

    Returns the fitted estimators (with the subsets and roles each was fitted on, and whether its configuration is
    the authors') and the validation metrics of each: on the held-out images of its own roles, and on held-out real
    and generated images separately (test images are all generated).
    """
    check_feature_parameters(params)
    train_fold, validation = train_features[train_features["fold"] == "train"], train_features[train_features["fold"] == "validation"]
    subsets = sorted(train_fold["subset"].astype(str).unique(), key=natural_key)
    classifiers = registered_classifiers()
    fitted, roles, tables = {}, {}, {}
    for name, classifier in classifiers.items():
        options, roles[name] = split_options((params.get("classifiers") or {}).get(name), list(params["train_roles"]))
        tables[name] = classifier.table(options, roles[name])
        train = train_fold[train_fold["role"].isin(roles[name])]
        fitted[name] = _estimator(classifier, options, params).fit(_matrix(train), train["subset"].astype(str).to_numpy())
    models = {"backbone": backbone, "subsets": subsets, "train_roles": roles, "tables": tables, "classifiers": fitted,
              "titles": {name: classifier.title for name, classifier in classifiers.items()}}

    y_validation = validation["subset"].astype(str).to_numpy()
    predicted = _predict_all(models, _matrix(validation))
    metrics = {"backbone": backbone, "features": int(_matrix(train_fold.iloc[:1]).shape[1]), "tables": tables, "methods": {}}
    for name in fitted:
        own = validation["role"].isin(roles[name]).to_numpy()
        scores = attribution_metrics(y_validation[own], predicted[name][own], subsets)
        for role in ("real", "generated"):
            chosen = (validation["role"] == role).to_numpy()
            scores[f"accuracy_{role}"] = float((predicted[name][chosen] == y_validation[chosen]).mean()) if chosen.any() else None
        scores.update(train_roles=roles[name], train_images=int(train_fold["role"].isin(roles[name]).sum()),
                      validation_images=int(own.sum()))
        metrics["methods"][name] = scores
        logger.info("%s + %s (%s): validation accuracy %.4f on %s images", backbone, models["titles"][name], tables[name],
                    scores["accuracy"], "+".join(roles[name]))
    return models, metrics


def _predict_all(models: dict[str, Any], features: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(estimator.predict(features)).astype(str) for name, estimator in models["classifiers"].items()}


def predict_test_subsets(models: dict[str, Any], test_features: pd.DataFrame) -> pd.DataFrame:
    """Each classifier's subset for every test image (one column per classifier), natural id order."""
    predictions = pd.DataFrame({"image_id": test_features["image_id"].astype(str), **_predict_all(models, _matrix(test_features))})
    return predictions.iloc[natural_order(predictions["image_id"])].reset_index(drop=True)


def _as_method(predictions: pd.DataFrame, method: str) -> pd.DataFrame:
    return predictions[["image_id", method]].rename(columns={method: "subset"})


def write_feature_run_files(predictions: pd.DataFrame, test_manifest: pd.DataFrame, models: dict[str, Any]) -> dict[str, str]:
    """One run file per classifier (``subtask2_<backbone>_<classifier>.csv``), each checked against the test folder."""
    backbone, subsets = models["backbone"], models["subsets"]
    return {
        name: make_subtask2_run_file(_as_method(predictions, name), test_manifest, subsets, f"subtask2_{backbone}_{name}")
        for name in models["classifiers"]
    }


def evaluate_feature_methods(
    predictions: pd.DataFrame, ground_truth: pd.DataFrame, validation: dict[str, Any], models: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Figure]]:
    """Test metrics of each classifier (when ground truth exists) and its confusion matrix (the paper's Figure 3 for the SVM)."""
    backbone, subsets = models["backbone"], models["subsets"]
    results, figures = {}, {}
    for name, title in models["titles"].items():
        results[name], figures[f"{name}.png"] = evaluate_subtask2(
            _as_method(predictions, name), ground_truth, {"attribution": validation["methods"][name]}, subsets, f"{backbone} + {title}"
        )
    return {"backbone": backbone, "methods": results}, figures


def plot_cluster_projections(train_features: pd.DataFrame, models: dict[str, Any]) -> dict[str, Figure]:
    """PCA-2D of the training features for every clustering classifier (Figures 4-7):
    real 'o', generated '^', colour by cluster, "Cluster i" at each cluster's centre."""
    figures = {}
    for name, estimator in models["classifiers"].items():
        used = train_features[train_features["role"].isin(models["train_roles"][name])]
        steps = estimator.steps if isinstance(estimator, SklearnPipeline) else [("classify", estimator)]
        clusterer = steps[-1][1]
        if not isinstance(clusterer, ClusterAttribution):
            continue
        matrix = _matrix(used)
        for _, step in steps[:-1]:
            matrix = step.transform(matrix)
        title = f"{models['backbone']}: {models['titles'][name]} (PCA 2D)"
        figures[f"{name}.png"] = pca_figure(matrix, clusterer.clusters(matrix).astype(str), used["role"].eq("real"), title, "Cluster")
    return figures


def _fraction(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.3f}"


def _roles(scores: dict[str, Any]) -> str:
    """``180 real images``: what a row's classifier learned from."""
    return f"{scores['train_images']} {' + '.join(scores['train_roles'])} images"


def summarise_feature_methods(**parts: dict[str, Any]) -> pd.DataFrame:
    """The pipeline's summary (shared schema): one row per backbone and classifier, validation
    accuracy (Table 4) and, with ground truth, Table 5's test columns.

    ``parts`` are keyed ``<backbone>__validation_metrics``, ``<backbone>__test_metrics`` and
    ``<backbone>__extraction``; backbones come out in the order their keys do.
    """
    backbones = list(dict.fromkeys(key.split("__")[0] for key in parts))
    rows = []
    for backbone in backbones:
        validation, test, record = (parts[f"{backbone}__{name}"] for name in ("validation_metrics", "test_metrics", "extraction"))
        if "tables" not in validation:
            raise UserInputError(f"The saved metrics of {backbone} predate per-classifier training roles: run "
                                 f"`kedro run --namespaces subtask2_features.{backbone}` again, then the summary.")
        for name, scores in validation["methods"].items():
            method_test = test["methods"][name]
            tested = bool(method_test.get("ground_truth"))
            rows.append({
                "subtask": 2, "method": method_test["method"],
                "table": validation["tables"][name],
                "main_metric": "test accuracy" if tested else "validation accuracy",
                "main_value": method_test["accuracy"] if tested else scores["accuracy"],
                "validation": f"held out real {_fraction(scores['accuracy_real'])}, generated {_fraction(scores['accuracy_generated'])}",
                **subtask2_metric_columns(scores, method_test if tested else None),
                "weights": record["weights"],
                "settings": f"{validation['features']} features, trained on {_roles(scores)}, parameters_subtask2_features.yml",
            })
    return method_summary(rows)
