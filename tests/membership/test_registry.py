"""The attack registry: every registered attack ranks obvious members first; names are unique and ordered."""

import numpy as np
import pytest

from gans_fingerprints.membership.registry import ATTACKS, attack_scores, register_attack, registered_attacks
from tests.membership.harness import OPTIONS, constructed_example


@pytest.mark.parametrize("attack", list(registered_attacks()))
def test_each_attack_ranks_obvious_members_first(attack):
    reals, generated, reference, labels = constructed_example()
    scores = attack_scores(attack, reals, generated, reference, OPTIONS.get(attack))
    top = np.argsort(-scores)[:10]
    assert labels[top].mean() == 1.0, f"{attack} put a non-member among its ten most member-like"


def test_the_registry_holds_the_attacks_in_their_order_and_refuses_a_second_name():
    assert list(registered_attacks()) == ["gan_leaks", "threshold_max", "domias", "monte_carlo", "mean_k_nearest",
                                          "gan_leaks_calibrated", "logan"]
    assert [a.name for a in registered_attacks().values() if a.needs_reference] == ["domias", "logan"]
    assert [a.name for a in registered_attacks().values() if "pixels" not in a.spaces] == ["mean_k_nearest"]
    assert [a.name for a in registered_attacks().values() if a.needs_reference_generator] == ["gan_leaks_calibrated"]
    with pytest.raises(ValueError, match="not both"):
        register_attack("both_references", needs_reference=True, needs_reference_generator=True)(lambda *arrays: arrays[0][:, 0])
    with pytest.raises(ValueError, match="registered twice"):
        register_attack("gan_leaks")(lambda *arrays: -arrays[0].sum(axis=1))
    with pytest.raises(ValueError, match="unknown membership attack 'nope'"):
        attack_scores("nope", *constructed_example()[:3])
    assert "nope" not in ATTACKS


def test_reloading_an_attack_module_is_not_a_second_registration():
    import importlib

    from gans_fingerprints.membership.attacks import gan_leaks

    importlib.reload(gan_leaks)
    assert registered_attacks()["gan_leaks"].score.__module__ == gan_leaks.__name__
