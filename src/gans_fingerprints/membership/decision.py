"""From membership scores to 0/1 decisions, with the threshold chosen by cross-validation.

Scores are turned into ranks within their split (0 = least, 1 = most member-like) before
thresholding, so a threshold chosen on the training split's generator carries over to the test
split's own generator, whose raw distances live on another scale.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import StratifiedKFold

from gans_fingerprints.errors import UserInputError


def ranks(scores: np.ndarray) -> np.ndarray:
    """Scores as quantile ranks in (0, 1]."""
    return rankdata(scores, method="average") / max(len(scores), 1)


def best_threshold(rank_scores: np.ndarray, labels: np.ndarray) -> float:
    """The rank threshold (predict 1 when rank > threshold) with the highest Cohen's kappa."""
    candidates = np.unique(np.concatenate([[0.0], rank_scores]))
    kappas = [cohen_kappa_score(labels, (rank_scores > t).astype(int), labels=[0, 1]) for t in candidates]
    return float(candidates[int(np.nanargmax(kappas))])


def cross_validated(
    labels: np.ndarray,
    fold_scores: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    folds: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold ranks and 0/1 predictions for every labelled real image.

    ``fold_scores(train_index, held_out_index)`` returns the scores of the training-fold and of
    the held-out images, computed with the training folds' labels only (a learned model or a
    reference set never sees held-out labels). Each group is ranked on its own, as the test split
    is; the rank threshold is chosen on the training folds and applied to the held-out fold.
    """
    labels = np.asarray(labels, dtype=int)
    smallest = int(min((labels == 0).sum(), (labels == 1).sum()))
    if folds < 2 or smallest < folds:
        raise UserInputError(
            f"cv_folds={folds} needs at least {folds} used and {folds} not-used training reals "
            f"(there are {int((labels == 1).sum())} and {int((labels == 0).sum())}); lower cv_folds (at least 2)."
        )
    out_ranks = np.zeros(len(labels))
    predictions = np.zeros(len(labels), dtype=int)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, held_out_index in splitter.split(np.zeros(len(labels)), labels):
        train_scores, held_out_scores = fold_scores(train_index, held_out_index)
        threshold = best_threshold(ranks(train_scores), labels[train_index])
        out_ranks[held_out_index] = ranks(held_out_scores)
        predictions[held_out_index] = (out_ranks[held_out_index] > threshold).astype(int)
    return out_ranks, predictions


def cross_fitted_ranks(
    labels: np.ndarray,
    index: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    folds: int,
    seed: int,
) -> np.ndarray:
    """Ranks of the labelled images ``index``, each scored without its own label.

    ``score(query_index, reference_index)`` scores the images ``query_index`` with the known
    non-members ``reference_index`` as its reference set. An attack fitted on a reference set scores
    that set's own images as non-members (a density estimate peaks on its own sample, a classifier
    fits its training points), so a threshold chosen on such in-sample scores looks better than it
    is. Here the images of ``index`` are split into stratified parts (``folds``, but at least 3 and at
    most as many as the smaller class has images) and each part is scored with the non-members of the
    other parts only, then ranked within its part (as a held-out fold and the test split are: parts
    scored against other reference sets are not on one scale).
    """
    index = np.asarray(index)
    own_labels = np.asarray(labels, dtype=int)[index]
    smallest = int(min((own_labels == 0).sum(), (own_labels == 1).sum()))
    if smallest < 3:
        raise UserInputError(
            f"an attack with a reference set (DOMIAS, LOGAN) needs at least 3 used and 3 not-used reals in each training "
            f"fold (one has {int((own_labels == 1).sum())} and {int((own_labels == 0).sum())}); lower cv_folds or add reals."
        )
    out = np.zeros(len(index))
    # at least 3 parts, so every reference set keeps at least 2 of 3 non-members (DOMIAS's PCA needs 2)
    splitter = StratifiedKFold(n_splits=min(max(folds, 3), smallest), shuffle=True, random_state=seed)
    for fit, held_out in splitter.split(np.zeros(len(index)), own_labels):
        scores = np.asarray(score(index[held_out], index[fit][own_labels[fit] == 0]), dtype=float)
        if not np.isfinite(scores).all():
            raise UserInputError(f"an attack with a reference set gave non-finite scores with {int((own_labels[fit] == 0).sum())} "
                                 "known non-members in its reference set; lower cv_folds or add reals.")
        out[held_out] = ranks(scores)
    return out
