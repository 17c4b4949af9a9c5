"""subtask1_siamese's nodes: its attack is checked and its retired keys refused."""

import pytest


def test_the_siamese_attack_is_checked_and_its_retired_keys_refused():
    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask1_siamese.nodes import check_siamese_attack

    attack, options = check_siamese_attack({"attack": "domias", "attack_options": {"components": 4}})
    assert attack.name == "domias" and attack.needs_reference and options == {"components": 4}
    with pytest.raises(UserInputError, match=r"score: mean_k -> attack: mean_k_nearest"):
        check_siamese_attack({"score": "mean_k", "k": 5, "attack": "mean_k_nearest"})
    with pytest.raises(UserInputError, match=r"subtask1_siamese\.attack_options has unknown option\(s\) \['kk'\]"):
        check_siamese_attack({"attack": "mean_k_nearest", "attack_options": {"kk": 5}})
    with pytest.raises(UserInputError, match=r"gan_leaks_calibrated compares with a reference generator's images"):
        check_siamese_attack({"attack": "gan_leaks_calibrated"})
