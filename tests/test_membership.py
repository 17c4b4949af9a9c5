"""Each attack ranks obvious members first; decisions come from cross-validated thresholds."""

import numpy as np
import pytest

from gans_fingerprints.membership.decision import best_threshold, cross_validated, ranks
from gans_fingerprints.membership.registry import ATTACKS, attack_scores, register_attack, registered_attacks

OPTIONS = {"domias": {"components": 16}, "monte_carlo": {"epsilon_percentile": 1.0}}
""":class:`Attack` options for the constructed example (16 dimensions: DOMIAS keeps them all)."""


def constructed_example(seed=0):
    """Members appear among the generated images as exact copies; non-members do not."""
    rng = np.random.default_rng(seed)
    members, non_members = rng.normal(0, 1, (10, 16)), rng.normal(0, 1, (10, 16))
    generated = np.concatenate([members, members + rng.normal(0, 0.01, members.shape), rng.normal(0, 1, (20, 16))])
    reals = np.concatenate([members, non_members])
    labels = np.array([1] * 10 + [0] * 10)
    reference = rng.normal(0, 1, (30, 16))  # other known non-members from the same population
    return reals, generated, reference, labels


@pytest.mark.parametrize("attack", list(registered_attacks()))
def test_each_attack_ranks_obvious_members_first(attack):
    reals, generated, reference, labels = constructed_example()
    scores = attack_scores(attack, reals, generated, reference, OPTIONS.get(attack))
    top = np.argsort(-scores)[:10]
    assert labels[top].mean() == 1.0, f"{attack} put a non-member among its ten most member-like"


def test_threshold_and_ranks():
    assert ranks(np.array([10.0, 30.0, 20.0])).tolist() == pytest.approx([1 / 3, 1.0, 2 / 3])
    rank_scores, labels = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9]), np.array([0, 0, 0, 1, 1, 1])
    threshold = best_threshold(rank_scores, labels)
    assert 0.3 <= threshold < 0.7


def test_cross_validation_never_shows_held_out_labels_to_the_scorer():
    reals, generated, reference, labels = constructed_example()
    seen = []

    def fold_scores(train_index, held_out_index):
        seen.append(set(held_out_index))
        scores = attack_scores("gan_leaks", reals, generated, reference, {})
        return scores[train_index], scores[held_out_index]

    _, predictions = cross_validated(labels, fold_scores, folds=5, seed=0)
    assert set().union(*seen) == set(range(20)) and sum(len(s) for s in seen) == 20
    assert (predictions == labels).mean() == 1.0


def test_the_registry_holds_the_attacks_in_their_order_and_refuses_a_second_name():
    assert list(registered_attacks()) == ["gan_leaks", "threshold_max", "domias", "monte_carlo", "mean_k_nearest"]
    assert [a.name for a in registered_attacks().values() if a.needs_reference] == ["domias"]
    assert [a.name for a in registered_attacks().values() if "pixels" not in a.spaces] == ["mean_k_nearest"]
    with pytest.raises(ValueError, match="registered twice"):
        register_attack("gan_leaks")(lambda *arrays: -arrays[0].sum(axis=1))
    with pytest.raises(ValueError, match="unknown membership attack 'nope'"):
        attack_scores("nope", *constructed_example()[:3])
    assert "nope" not in ATTACKS


def test_attack_blocks_are_checked_before_any_work():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask1_membership.nodes import check_membership_parameters

    check_membership_parameters({"attacks": {"domias": {"components": 4}, "gan_leaks": {}}})
    with pytest.raises(UserInputError, match=r"attacks\.monte_carl names no registered attack"):
        check_membership_parameters({"attacks": {"monte_carl": {}}})
    with pytest.raises(UserInputError, match=r"attacks\.domias has unknown option\(s\) \['component'\]; domias takes \['components'\]"):
        check_membership_parameters({"attacks": {"domias": {"component": 4}}})
    with pytest.raises(UserInputError, match=r"attacks\.mean_k_nearest: the mean_k_nearest attack runs only in \['siamese'\]"):
        check_membership_parameters({"attacks": {"mean_k_nearest": {"k": 3}}})
    with pytest.raises(UserInputError, match=r"domias_components is now subtask1_membership\.attacks\.domias\.components"):
        check_membership_parameters({"domias_components": 8})


def test_reloading_an_attack_module_is_not_a_second_registration():
    import importlib

    from gans_fingerprints.membership.attacks import gan_leaks

    importlib.reload(gan_leaks)
    assert registered_attacks()["gan_leaks"].score.__module__ == gan_leaks.__name__


def test_the_siamese_score_is_gan_leaks_at_k_1_and_the_mean_distance_at_k_0():
    from gans_fingerprints.distances import pairwise_distances

    reals, generated, reference, _ = constructed_example()
    assert np.array_equal(attack_scores("mean_k_nearest", reals, generated, reference, {"k": 1}),
                          attack_scores("gan_leaks", reals, generated, reference))
    assert np.allclose(attack_scores("mean_k_nearest", reals, generated, reference, {"k": 0}),
                       -pairwise_distances(reals, generated).mean(axis=1))
    three = np.sort(pairwise_distances(reals, generated), axis=1)[:, :3].mean(axis=1)
    assert np.array_equal(attack_scores("mean_k_nearest", reals, generated, reference, {"k": 3}), -three)


def test_the_siamese_attack_is_checked_and_its_retired_keys_refused():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask1_siamese.nodes import check_siamese_attack

    attack, options = check_siamese_attack({"attack": "domias", "attack_options": {"components": 4}})
    assert attack.name == "domias" and attack.needs_reference and options == {"components": 4}
    with pytest.raises(UserInputError, match=r"score: mean_k -> attack: mean_k_nearest"):
        check_siamese_attack({"score": "mean_k", "k": 5, "attack": "mean_k_nearest"})
    with pytest.raises(UserInputError, match=r"subtask1_siamese\.attack_options has unknown option\(s\) \['kk'\]"):
        check_siamese_attack({"attack": "mean_k_nearest", "attack_options": {"kk": 5}})
