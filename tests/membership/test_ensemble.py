"""The ensemble of attacks: it weights the informative attack, finds planted members, and stays at chance on noise."""

import numpy as np
from sklearn.metrics import roc_auc_score

from gans_fingerprints.membership.decision import ranks
from gans_fingerprints.membership.ensemble import ensemble_decisions


def _columns(rng, labels, informative: bool) -> np.ndarray:
    """Three attacks' ranks: the first separates members when ``informative``, the other two are noise."""
    signal = labels * 2.0 + rng.normal(size=len(labels)) if informative else rng.normal(size=len(labels))
    return np.column_stack([ranks(signal), ranks(rng.normal(size=len(labels))), ranks(rng.normal(size=len(labels)))])


def test_the_ensemble_weights_the_informative_attack_and_finds_planted_members():
    rng = np.random.default_rng(0)
    labels, test_labels = np.array([1, 0] * 30), np.array([1, 0] * 20)
    train, test = _columns(rng, labels, True), _columns(rng, test_labels, True)
    control = _columns(rng, labels, False)
    decisions = ensemble_decisions(["useful", "noise_a", "noise_b"], labels, {"cv": train, "test": test, "control": control},
                                   folds=5, seed=0)
    assert decisions.weights["useful"] > 3 * max(abs(decisions.weights["noise_a"]), abs(decisions.weights["noise_b"]))
    # about as good as the informative attack alone (the noise costs little), far from chance
    assert roc_auc_score(labels, decisions.cv_ranks) > roc_auc_score(labels, train[:, 0]) - 0.1 > 0.75
    assert roc_auc_score(test_labels, decisions.test_ranks) > roc_auc_score(test_labels, test[:, 0]) - 0.05 > 0.75
    assert (decisions.test_predictions == test_labels).mean() >= 0.7


def test_the_ensemble_of_attacks_that_see_nothing_stays_at_chance_and_so_does_its_control():
    """Noise only: the weights fit noise, and the cross-validated figure must not reward that. The control
    (the fitted weights on other noise) sits at chance too, on average over seeds."""
    aucs, control_aucs = [], []
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        labels = np.array([1, 0] * 30)
        rank_columns = {"cv": _columns(rng, labels, False), "test": _columns(rng, labels[:10], False),
                        "control": _columns(rng, labels, False)}
        decisions = ensemble_decisions(["a", "b", "c"], labels, rank_columns, folds=5, seed=seed)
        aucs.append(roc_auc_score(labels, decisions.cv_ranks))
        control_aucs.append(roc_auc_score(labels, decisions.control_ranks))
        assert len(decisions.test_ranks) == 10 and set(decisions.control_predictions) <= {0, 1}
    assert 0.38 < float(np.mean(aucs)) < 0.62 and 0.4 < float(np.mean(control_aucs)) < 0.6
