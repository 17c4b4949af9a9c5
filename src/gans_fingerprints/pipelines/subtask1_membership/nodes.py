"""Nodes of ``subtask1_membership``: black-box membership attacks in pixel space and in a CNN feature space."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.metrics import membership_metrics
from gans_fingerprints.evaluation.subtask1 import RESULT_COLUMNS, method_run_file, subtask1_rows, summarise_subtask1
from gans_fingerprints.imaging import resize_square
from gans_fingerprints.layout import LAYOUT_DOC
from gans_fingerprints.membership.decision import best_threshold, cross_fitted_ranks, cross_validated, ranks
from gans_fingerprints.membership.ensemble import DEFAULT_REGULARISATION, EnsembleDecisions, ensemble_decisions
from gans_fingerprints.membership.registry import check_attack_options, registered_attacks
from gans_fingerprints.seeding import purpose_rng

logger = logging.getLogger(__name__)
SPACES = ("pixels", "features")


ENSEMBLE = "ensemble"


def membership_methods() -> tuple[str, ...]:
    """``<attack>_<space>`` for every registered attack in each space it runs in, then the ensemble of
    those with a null control: one run file each."""
    attacks = (f"{name}_{space}" for space in SPACES for name, attack in registered_attacks().items() if space in attack.spaces)
    return (*attacks, ENSEMBLE)


def _pixels(images: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Images ``rows`` of a stack, resized to ``size`` and flattened to [0, 1] vectors."""
    vectors = np.empty((len(rows), size * size), dtype=np.float32)
    for i, row in enumerate(rows):
        vectors[i] = resize_square(np.asarray(images[row]), size).ravel() / 255.0
    return vectors


RETIRED_KEYS = {"domias_components": "attacks.domias.components", "epsilon_percentile": "attacks.monte_carlo.epsilon_percentile"}


def check_membership_parameters(params: dict[str, Any]) -> None:
    """Refuse retired keys and attack blocks that name no attack or an option it lacks (one line each)."""
    for old, new in RETIRED_KEYS.items():
        if old in params:
            raise UserInputError(f"subtask1_membership.{old} is now subtask1_membership.{new}; rename it in your parameters.")
    check_attack_options(params.get("attacks"))
    unknown = sorted(set(params.get(ENSEMBLE) or {}) - {"regularisation"})
    if unknown:
        raise UserInputError(f"subtask1_membership.{ENSEMBLE} has unknown option(s) {unknown}; it takes ['regularisation'] "
                             "(parameters_subtask1_membership.yml).")


REFERENCE_SOURCES = ("other_split", "trained")
REFERENCE_KEY = "reference_generator"
OTHER_SPLIT = {"train": "test", "test": "train"}
"""Whose images make each split's reference generator: the other split's, none of which is this split's query."""


def _reference_settings(params: dict[str, Any]) -> dict[str, Any]:
    settings = dict(params.get(REFERENCE_KEY) or {})
    source = str(settings.get("source", "other_split"))
    if source not in REFERENCE_SOURCES:
        raise UserInputError(f"subtask1_membership.{REFERENCE_KEY}.source must be one of {list(REFERENCE_SOURCES)}, got {source!r} "
                             "(parameters_subtask1_membership.yml).")
    unknown = sorted(set(settings) - {"source", "family", "settings"})
    if unknown:
        raise UserInputError(f"subtask1_membership.{REFERENCE_KEY} has unknown key(s) {unknown}; it takes source, family and "
                             "settings (parameters_subtask1_membership.yml).")
    return {**settings, "source": source}


def reference_seeds(seed: int, split: str) -> tuple[int, int]:
    """Training and sampling seeds of a split's reference generator: drawn from the seed and what they are for,
    above every seed a generator under attack was trained or sampled with (the benchmark uses ``seed * 100 + i``
    and ``seed * 1000 + i``, i < 10,000): an attacker cannot share the target's initialisation or noise."""
    rng = purpose_rng(seed, f"reference_generator/{split}")
    floor = max(10**6, abs(int(seed)) * 1000 + 10**4)
    training, sampling = (int(value) for value in rng.integers(floor, floor + 2**30, size=2))
    return training, sampling


def reference_generator_images(
    train_manifest: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Each split's reference generator and its images (``gan_leaks_calibrated``): a generator of the target's
    family that trained on none of that split's reals, so what it comes close to is what any such generator
    comes close to.

    ``source: other_split`` uses the other split's generated images (a generator the release itself trained on
    other reals; free): nothing is trained, and :func:`membership_spaces` reuses their vectors. ``source: trained``
    trains a generator of ``family`` (``settings``) for each split on the *other* split's reals, which are none of
    this split's queries (Chen et al. train on known non-members; for the test split those are a part of the
    training split's reals, and the training split's own known non-members are its cross-validation queries),
    with seeds of its own (:func:`reference_seeds`), and samples as many images as the split's target generated,
    since the nearest of more images is nearer. Returns what was used (with the weights, versioned) and the
    images (none for ``other_split``).
    """
    check_membership_parameters(params)  # before minutes of training
    settings = _reference_settings(params)
    if settings["source"] == "other_split":
        return {"source": "other_split"}, {}
    rows = subtask1_rows(train_manifest, test_manifest)

    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only when training
    from gans_fingerprints.generators.registry import family  # noqa: PLC0415

    where = f"subtask1_membership.{REFERENCE_KEY}"
    generator_family = family(str(settings.get("family", "")), f"{where}.family")
    try:
        config = generator_family.config(settings.get("settings"), int(train_images.shape[1]), f"{where}.settings")
    except (TypeError, ValueError) as error:
        raise UserInputError(f"{where}.settings: {error} (parameters_subtask1_membership.yml).") from error
    stacks = {"train": train_images, "test": test_images}
    for split, other in OTHER_SPLIT.items():
        if rows[f"{other}_real"].empty or rows[f"{split}_generated"].empty:
            raise UserInputError(f"{where}.source: trained needs real images in subtask1/{other} (to train the {split} split's "
                                 f"reference) and generated images in subtask1/{split} ({LAYOUT_DOC}); or use source: other_split.")
    device = resolve_device(str(params["device"]))
    bundle: dict[str, Any] = {"source": "trained", "family": generator_family.name, "settings": dict(settings.get("settings") or {})}
    images = {}
    for split, other in OTHER_SPLIT.items():
        reals = np.asarray(stacks[other][np.sort(rows[f"{other}_real"]["stack_index"].to_numpy())])
        count, (training_seed, sampling_seed) = len(rows[f"{split}_generated"]), reference_seeds(int(params["seed"]), split)
        logger.info("Reference generator for the %s split: %s trained on the %s split's %d reals, %d images sampled.", split,
                    generator_family.name, other, len(reals), count)
        state, history = generator_family.implementation.train(reals, config, device, training_seed, f"reference {split}")
        images[split] = generator_family.implementation.sample(state, config, count, device, sampling_seed)
        bundle[split] = {"state": state, "trained_on": f"{other} split reals ({len(reals)})", "seeds": [training_seed, sampling_seed],
                         "history": {column: history[column].tolist() for column in history}}
    return bundle, images


def reference_vectors(vectors: dict[str, np.ndarray], source: str, seed: int) -> dict[str, np.ndarray]:
    """Each split's reference images in one space (``<split>_reference``). With ``other_split``, the other split's
    generated images, at most as many as the split's own target made (a seeded subset: the nearest of more
    images is nearer; with fewer, all of them)."""
    if source != "other_split":
        return {f"{split}_reference": vectors[f"{split}_reference"] for split in OTHER_SPLIT}
    chosen = {}
    for split, other in OTHER_SPLIT.items():
        reference, target_count = vectors[f"{other}_generated"], len(vectors[f"{split}_generated"])
        if len(reference) > target_count:
            rng = purpose_rng(seed, f"reference_subset/{split}")
            reference = reference[np.sort(rng.choice(len(reference), size=target_count, replace=False))]
        chosen[f"{split}_reference"] = reference
    return chosen


def membership_spaces(
    train_manifest: pd.DataFrame,
    train_images: np.ndarray,
    test_manifest: pd.DataFrame,
    test_images: np.ndarray,
    reference_images: dict[str, np.ndarray],
    params: dict[str, Any],
) -> dict[str, Any]:
    """Every subtask-1 image, and each split's reference generator's images, as a pixel vector and as CNN
    features, with the training labels."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only here
    from gans_fingerprints.models.backbones import build_backbone, extract_features  # noqa: PLC0415

    check_membership_parameters(params)  # before minutes of feature extraction
    rows = subtask1_rows(train_manifest, test_manifest)
    model, preprocess, record = build_backbone(
        str(params["backbone"]), str(params["weights"]), bool(params["download_weights"]), int(params["seed"])
    )
    device = resolve_device(str(params["device"]))
    spaces: dict[str, Any] = {"pixels": {}, "features": {}, "record": record}
    sources = [(name, train_images if name.startswith("train") else test_images, table["stack_index"].to_numpy())
               for name, table in rows.items()]
    sources += [(f"{split}_reference", images, np.arange(len(images))) for split, images in reference_images.items()]  # trained ones'
    for name, stack, positions in sources:
        spaces["pixels"][name] = _pixels(stack, positions, int(params["pixel_size"]))
        spaces["features"][name] = extract_features(
            model, preprocess, stack, device, params["batch_size"], str(params["precision"]), positions
        )
    spaces["reference_source"] = _reference_settings(params)["source"]
    for space in SPACES:
        spaces[space].update(reference_vectors(spaces[space], spaces["reference_source"], int(params["seed"])))
    spaces["ids"] = {name: table["image_id"].astype(str).to_numpy() for name, table in rows.items()}
    spaces["labels"] = rows["train_real"]["label"].to_numpy()
    return spaces


def _cross_validated_attack(  # noqa: PLR0913 - the attack, its options, the images, the labels, the parameters
    attack: Any, options: dict[str, Any], reals: np.ndarray, generated: np.ndarray, labels: np.ndarray, params: dict[str, Any],
    reference_images: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-validated ranks and decisions of one attack on the labelled reals against ``generated``,
    and ranks of every labelled real for choosing the test threshold, none of them in-sample.

    A label-free attack scores every real once (its test threshold: on those scores' ranks); one that
    compares with a reference generator gets ``reference_images``, which trained on none of them. An
    attack with a reference set of known non-members scores each held-out fold with the training
    folds' non-members, and the training folds (where the fold's threshold is chosen) by
    :func:`cross_fitted_ranks`, so no real is scored by a reference set that holds it; its test
    threshold is chosen on the out-of-fold ranks.
    """
    folds, seed = int(params["cv_folds"]), int(params["seed"])

    def score(query_index, reference_index):
        return attack.scores(reals[query_index], generated, reals[reference_index], options)

    if not attack.needs_reference:  # label-free: a reference generator's images (if it takes them) hold none of these reals
        fixed = attack.scores(reals, generated, reference_images if attack.needs_reference_generator else reals[:0], options)
        cv_ranks, cv_predictions = cross_validated(labels, lambda fit, held_out: (fixed[fit], fixed[held_out]), folds, seed)
        return cv_ranks, cv_predictions, ranks(fixed)

    def fold_scores(train_index, held_out_index):
        return (cross_fitted_ranks(labels, train_index, score, folds, seed),
                score(held_out_index, train_index[labels[train_index] == 0]))

    cv_ranks, cv_predictions = cross_validated(labels, fold_scores, folds, seed)
    return cv_ranks, cv_predictions, cv_ranks


def score_membership(spaces: dict[str, Any], params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cross-validated decisions on the training reals, test decisions, and the null control, for every attack and space.

    The reference set of known non-members (DOMIAS, LOGAN) holds training-fold non-members only, and
    each threshold is chosen on training folds' out-of-sample scores; the test threshold on all
    training reals' out-of-fold ranks (the test split is scored with every known non-member).
    The null control runs the same cross-validation with the test split's generated images in place
    of the training split's: no training real trained that generator, so "used" and "not used" are
    both non-members of it and the control's AUC must sit at chance. An attack whose control is off
    chance finds a difference between the two real sets, not membership. A reference generator's images
    (``gan_leaks_calibrated``) come from ``spaces``: ``train_reference`` for the training reals (the
    cross-validation and the control), ``test_reference`` for the test reals; with ``source: other_split``
    the training split's reference is the control's target: that attack has no control and stays out of the
    ensemble, whose control could not check it.
    """
    labels, train_ids, test_ids = spaces["labels"], spaces["ids"]["train_real"], spaces["ids"]["test_real"]
    cv_rows, test_rows, control_rows = [], [], []
    columns: dict[str, dict[str, np.ndarray]] = {"cv": {}, "test": {}, "control": {}}  # each method's ranks: the ensemble's inputs
    for space in SPACES:
        vectors = spaces[space]
        reals, generated = vectors["train_real"], vectors["train_generated"]
        for attack in (a for a in registered_attacks().values() if space in a.spaces):
            method = f"{attack.name}_{space}"
            options = (params.get("attacks") or {}).get(attack.name) or {}
            train_reference, test_reference = (vectors["train_reference"], vectors["test_reference"]) if attack.needs_reference_generator \
                else (None, reals[labels == 0])
            cv_ranks, cv_predictions, train_ranks = _cross_validated_attack(attack, options, reals, generated, labels, params,
                                                                            train_reference)
            threshold = best_threshold(train_ranks, labels)
            test_ranks = ranks(attack.scores(vectors["test_real"], vectors["test_generated"], test_reference, options))
            cv_rows.append(pd.DataFrame({"method": method, "image_id": train_ids, "label": labels, "rank": cv_ranks,
                                         "prediction": cv_predictions}))
            test_rows.append(pd.DataFrame({"method": method, "image_id": test_ids, "rank": test_ranks,
                                           "prediction": (test_ranks > threshold).astype(int)}))
            logger.info("%s: cross-validated kappa %.3f", method, membership_metrics(labels, cv_predictions)["kappa"])
            if attack.needs_reference_generator and spaces.get("reference_source") == "other_split":
                logger.warning("%s: no null control: its reference for the training split is the test split's generator, "
                               "the control's own target (reference_generator.source: trained has one); it stays out of "
                               "the ensemble, whose control could not check it.", method)
                continue
            control_ranks, control_predictions, _ = _cross_validated_attack(
                attack, options, reals, vectors["test_generated"], labels, params, train_reference)
            control_rows.append(pd.DataFrame({"method": method, "image_id": train_ids, "label": labels, "rank": control_ranks,
                                              "prediction": control_predictions}))
            for kind, values in (("cv", cv_ranks), ("test", test_ranks), ("control", control_ranks)):
                columns[kind][method] = values  # the ensemble combines the attacks its control can check
    ensemble = _ensemble(columns, labels, params)
    cv_rows.append(pd.DataFrame({"method": ENSEMBLE, "image_id": train_ids, "label": labels, "rank": ensemble.cv_ranks,
                                 "prediction": ensemble.cv_predictions}))
    test_rows.append(pd.DataFrame({"method": ENSEMBLE, "image_id": test_ids, "rank": ensemble.test_ranks,
                                   "prediction": ensemble.test_predictions}))
    control_rows.append(pd.DataFrame({"method": ENSEMBLE, "image_id": train_ids, "label": labels, "rank": ensemble.control_ranks,
                                      "prediction": ensemble.control_predictions}))
    return (pd.concat(cv_rows, ignore_index=True), pd.concat(test_rows, ignore_index=True)[RESULT_COLUMNS],
            pd.concat(control_rows, ignore_index=True))


def _ensemble(columns: dict[str, dict[str, np.ndarray]], labels: np.ndarray, params: dict[str, Any]) -> EnsembleDecisions:
    """The ensemble of every attack and space with a null control, with its own control (its weights on the
    attacks' control ranks)."""
    methods = list(columns["cv"])
    if not methods:
        raise UserInputError("subtask1_membership: no attack has a null control, so the ensemble has nothing to combine; "
                             "use reference_generator.source: trained or register an attack that needs no reference generator.")
    folds, seed = int(params["cv_folds"]), int(params["seed"])
    regularisation = float((params.get(ENSEMBLE) or {}).get("regularisation", DEFAULT_REGULARISATION))

    rank_columns = {kind: np.column_stack([by_method[m] for m in methods]) for kind, by_method in columns.items()}
    ensemble = ensemble_decisions(methods, labels, rank_columns, folds, seed, regularisation)
    logger.info("%s: cross-validated kappa %.3f; weights %s", ENSEMBLE, membership_metrics(labels, ensemble.cv_predictions)["kappa"],
                ", ".join(f"{m} {w:+.2f}" for m, w in sorted(ensemble.weights.items(), key=lambda item: -abs(item[1]))))
    return ensemble


def write_membership_run_files(test_results: pd.DataFrame) -> dict[str, str]:
    """One run file per attack and space: ``<image_id>,<0|1>`` (1 = used), natural id order."""
    return {method: method_run_file(test_results, method) for method in membership_methods()}


def summarise_membership(
    cv_results: pd.DataFrame, test_results: pd.DataFrame, control_results: pd.DataFrame, ground_truth: pd.DataFrame
) -> pd.DataFrame:
    """The pipeline's summary (shared schema): one row per attack and space, with its null control."""
    weights = {method: "n/a (pixels)" if method.endswith("_pixels") else "see parameters" for method in cv_results["method"].unique()}
    return summarise_subtask1(cv_results, test_results, ground_truth, "parameters_subtask1_membership.yml", weights, control_results)
