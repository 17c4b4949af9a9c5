"""Nodes of ``subtask2_features``: ImageNet CNN features, then k-means, hierarchical clustering and SVM
(the paper's section 3.1.1, Tables 4-5, Figures 3-7), one namespace per backbone."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from gans_fingerprints.distances import nearest_centroid
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.clustering import fit_agglomerative, fit_kmeans, map_clusters_to_labels
from gans_fingerprints.evaluation.figures import pca_figure
from gans_fingerprints.evaluation.metrics import attribution_metrics
from gans_fingerprints.evaluation.splits import check_subtask2_training
from gans_fingerprints.evaluation.subtask2 import evaluate_subtask2, make_subtask2_run_file
from gans_fingerprints.layout import LAYOUT_DOC, natural_key, natural_order

logger = logging.getLogger(__name__)
METHODS = ("kmeans", "hierarchical", "svm")
METHOD_NAMES = {"kmeans": "k-means", "hierarchical": "hierarchical clustering", "svm": "SVM"}


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
    check_subtask2_training(split)
    if test_manifest.empty:
        raise UserInputError(f"There are no images in subtask2/test/generated_unknown to attribute ({LAYOUT_DOC}).")
    model, preprocess, record = build_backbone(backbone, str(params["weights"]), bool(params["download_weights"]), int(params["seed"]))
    device = resolve_device(str(params["device"]))
    batch, precision = int(params["batch_size"]), str(params["precision"])
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


def fit_feature_classifiers(
    train_features: pd.DataFrame, params: dict[str, Any], backbone: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """k-means, hierarchical clustering and SVM on the training fold; scored on the validation fold.

    Clusters are named after subsets by optimal assignment on the training labels. Returns the
    fitted models and the validation metrics of each method.
    """
    roles = [str(role) for role in params["train_roles"]]
    used = train_features[train_features["role"].isin(roles)]
    train, validation = used[used["fold"] == "train"], used[used["fold"] == "validation"]
    subsets = sorted(train["subset"].astype(str).unique(), key=natural_key)
    scaler = StandardScaler().fit(_matrix(train)) if params["standardise"] else None
    models: dict[str, Any] = {"backbone": backbone, "subsets": subsets, "scaler": scaler, "train_roles": roles}
    x_train, y_train = _scaled(models, train), train["subset"].astype(str).to_numpy()
    seed, k = int(params["seed"]), len(subsets)
    for method, centres in (
        ("kmeans", fit_kmeans(x_train, k, seed)),
        ("hierarchical", fit_agglomerative(x_train, k, str(params["hierarchical"]["linkage"]),
                                           int(params["hierarchical"]["max_samples"]), seed)),
    ):
        mapping = map_clusters_to_labels(nearest_centroid(x_train, centres)[0], y_train, subsets)
        models[method] = {"centres": centres, "cluster_to_subset": mapping}
    svm = params["svm"]
    if svm["kernel"] == "linear":
        classifier = LinearSVC(C=float(svm["C"]), random_state=seed, max_iter=20000)
    else:
        classifier = SVC(kernel=str(svm["kernel"]), C=float(svm["C"]), random_state=seed)
    models["svm"] = classifier.fit(x_train, y_train)

    x_validation, y_validation = _scaled(models, validation), validation["subset"].astype(str).to_numpy()
    predicted = _predict_all(models, x_validation)
    metrics = {
        "backbone": backbone,
        "features": int(x_train.shape[1]),
        "train_images": len(train),
        "validation_images": len(validation),
        "methods": {m: attribution_metrics(y_validation, predicted[m], subsets) for m in METHODS},
    }
    # Validation holds out real and generated images (as the paper's does); test images are all
    # generated, so the accuracy on each role is reported too.
    for method in METHODS:
        for role in ("real", "generated"):
            chosen = (validation["role"] == role).to_numpy()
            accuracy = float((predicted[method][chosen] == y_validation[chosen]).mean()) if chosen.any() else None
            metrics["methods"][method][f"accuracy_{role}"] = accuracy
    for method in METHODS:
        logger.info("%s + %s: validation accuracy %.4f", backbone, METHOD_NAMES[method], metrics["methods"][method]["accuracy"])
    return models, metrics


def _scaled(models: dict[str, Any], table: pd.DataFrame) -> np.ndarray:
    """A feature table's matrix, standardised by the training fold's scaler when there is one."""
    matrix = _matrix(table)
    return models["scaler"].transform(matrix).astype(np.float32) if models["scaler"] is not None else matrix


def _predict_all(models: dict[str, Any], features: np.ndarray) -> dict[str, np.ndarray]:
    predicted = {}
    for method in ("kmeans", "hierarchical"):
        clusters = nearest_centroid(features, models[method]["centres"])[0]
        predicted[method] = np.array([models[method]["cluster_to_subset"][int(c)] for c in clusters])
    predicted["svm"] = models["svm"].predict(features).astype(str)
    return predicted


def predict_test_subsets(models: dict[str, Any], test_features: pd.DataFrame) -> pd.DataFrame:
    """Each method's subset for every test image (columns kmeans, hierarchical, svm), natural id order."""
    predictions = pd.DataFrame(
        {"image_id": test_features["image_id"].astype(str), **_predict_all(models, _scaled(models, test_features))}
    )
    return predictions.iloc[natural_order(predictions["image_id"])].reset_index(drop=True)


def _as_method(predictions: pd.DataFrame, method: str) -> pd.DataFrame:
    return predictions[["image_id", method]].rename(columns={method: "subset"})


def write_feature_run_files(
    predictions: pd.DataFrame, test_manifest: pd.DataFrame, models: dict[str, Any]
) -> tuple[str, str, str]:
    """One run file per method (``subtask2_<backbone>_<method>.csv``), each checked against the test folder."""
    backbone, subsets = models["backbone"], models["subsets"]
    return tuple(  # type: ignore[return-value]
        make_subtask2_run_file(_as_method(predictions, m), test_manifest, subsets, f"subtask2_{backbone}_{m}")
        for m in METHODS
    )


def evaluate_feature_methods(
    predictions: pd.DataFrame, ground_truth: pd.DataFrame, validation: dict[str, Any], models: dict[str, Any]
) -> tuple[dict[str, Any], Figure]:
    """Test metrics of each method (when ground truth exists) and the SVM's confusion matrix (Figure 3)."""
    backbone, subsets = models["backbone"], models["subsets"]
    results, figure = {}, None
    for method in METHODS:
        method_validation = {"attribution": validation["methods"][method]}
        metrics, method_figure = evaluate_subtask2(
            _as_method(predictions, method), ground_truth, method_validation, subsets, f"{backbone} + {METHOD_NAMES[method]}"
        )
        results[method] = metrics
        if method == "svm":
            figure = method_figure
    return {"backbone": backbone, "methods": results}, figure


def plot_cluster_projections(train_features: pd.DataFrame, models: dict[str, Any]) -> dict[str, Figure]:
    """PCA-2D of the training features for k-means and hierarchical clustering (Figures 4-7):
    real 'o', generated '^', colour by cluster, "Cluster i" at each cluster's centre."""
    used = train_features[train_features["role"].isin(models["train_roles"])]
    matrix = _scaled(models, used)
    figures = {}
    for method in ("kmeans", "hierarchical"):
        clusters = nearest_centroid(matrix, models[method]["centres"])[0]
        title = f"{models['backbone']}: {METHOD_NAMES[method]} (PCA 2D)"
        figures[f"{method}.png"] = pca_figure(matrix, clusters.astype(str), used["role"].eq("real"), title, "Cluster")
    return figures


def feature_results_table(**summaries: dict[str, Any]) -> pd.DataFrame:
    """Table 4 (validation accuracy per backbone and method) with Table 5's test columns when known.

    ``summaries`` are keyed ``<backbone>__validation_metrics``, ``<backbone>__test_metrics`` and
    ``<backbone>__extraction``; backbones come out in the order their keys do.
    """
    backbones = list(dict.fromkeys(key.split("__")[0] for key in summaries))
    rows = []
    for backbone in backbones:
        validation, test, record = (summaries[f"{backbone}__{name}"] for name in ("validation_metrics", "test_metrics", "extraction"))
        for method in METHODS:
            row = {
                "backbone": validation["backbone"],
                "features": validation["features"],
                "method": METHOD_NAMES[method],
                "weights": record["weights"],
                "validation_accuracy": validation["methods"][method]["accuracy"],
                "validation_accuracy_real": validation["methods"][method]["accuracy_real"],
                "validation_accuracy_generated": validation["methods"][method]["accuracy_generated"],
            }
            method_test = test["methods"][method]
            if method_test.get("ground_truth"):
                row.update({f"test_{k}": method_test[k] for k in
                            ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted", "specificity")})
            rows.append(row)
    return pd.DataFrame(rows)
