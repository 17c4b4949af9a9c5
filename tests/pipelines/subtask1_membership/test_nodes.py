"""subtask1_membership's nodes: its attack blocks are checked before any work."""

import pytest


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


def _spaces(used, not_used, train_generated, test_generated, reference=None):
    """Vectors of both spaces; ``reference``: a reference generator's images (both splits'), trained like ``source: trained``."""
    import numpy as np

    reals = np.concatenate([used, not_used]).astype(np.float32)
    reference = np.random.default_rng(9).normal(size=(60, used.shape[1])) if reference is None else reference
    vectors = {"train_real": reals, "train_generated": train_generated.astype(np.float32), "test_real": reals[:4],
               "test_generated": test_generated.astype(np.float32), "train_reference": reference.astype(np.float32),
               "test_reference": reference.astype(np.float32)}
    ids = {"train_real": np.array([f"r{i}" for i in range(len(reals))]), "test_real": np.array([f"t{i}" for i in range(4)])}
    return {"pixels": vectors, "features": vectors, "ids": ids, "labels": np.array([1] * len(used) + [0] * len(not_used)),
            "reference_source": "trained"}


PARAMS = {"cv_folds": 4, "seed": 0, "attacks": {"domias": {"components": 2}}}


def test_the_null_control_sits_at_chance_when_the_signal_is_membership():
    """A generator that copied its members: cross-validation finds them, and the control (the test split's
    generator, which saw none of these reals) does not."""
    import numpy as np

    from gans_fingerprints.evaluation.subtask1 import summarise_subtask1
    from gans_fingerprints.pipelines.subtask1_membership.nodes import score_membership

    rng = np.random.default_rng(0)
    used, not_used = rng.normal(size=(40, 8)), rng.normal(size=(40, 8))
    spaces = _spaces(used, not_used, used + rng.normal(scale=0.05, size=used.shape), rng.normal(size=(80, 8)))
    cv, test, control = score_membership(spaces, PARAMS)
    summary = summarise_subtask1(cv, test, None, "s", dict.fromkeys(cv["method"].unique(), "w"), control).set_index("method")
    for method in ("gan_leaks_pixels", "gan_leaks_calibrated_pixels"):
        leaks = summary.loc[method]
        assert leaks["validation_auc"] > 0.9
        assert leaks["control_auc_low"] <= 0.5 <= leaks["control_auc_high"] and "OFF CHANCE" not in leaks["validation"]


def test_the_null_control_flags_a_signal_that_comes_from_the_split():
    """'Used' reals from a shifted population and a generator of that population that memorised nothing: the
    attack 'works', and the control shows the same signal without any member, so it is flagged."""
    import numpy as np

    from gans_fingerprints.evaluation.subtask1 import summarise_subtask1
    from gans_fingerprints.pipelines.subtask1_membership.nodes import score_membership

    rng = np.random.default_rng(1)
    shift = np.array([3.0] + [0.0] * 7)
    used, not_used = rng.normal(size=(40, 8)) + shift, rng.normal(size=(40, 8))
    spaces = _spaces(used, not_used, rng.normal(size=(80, 8)) + shift, rng.normal(size=(80, 8)) + shift)
    cv, test, control = score_membership(spaces, PARAMS)
    summary = summarise_subtask1(cv, test, None, "s", dict.fromkeys(cv["method"].unique(), "w"), control).set_index("method")
    leaks = summary.loc["gan_leaks_pixels"]
    assert leaks["validation_auc"] > 0.7 and leaks["control_auc_low"] > 0.5
    assert "OFF CHANCE" in leaks["validation"]


def test_no_real_is_scored_against_a_reference_set_that_holds_it(monkeypatch):
    """A spy attack records which reals it scored against which reference set and which generated images, in
    the cross-validation on the training generator, the null control on the test generator, and the test."""
    import numpy as np

    from gans_fingerprints.membership.registry import Attack
    from gans_fingerprints.pipelines.subtask1_membership import nodes

    calls = []

    def spy(queries, generated, reference):
        calls.append((int(generated[0, 0]), set(queries[:, 0].astype(int)), set(reference[:, 0].astype(int))))
        return queries[:, 1]

    monkeypatch.setattr(nodes, "registered_attacks", lambda: {"spy": Attack("spy", spy, needs_reference=True, spaces=("pixels",))})
    rng = np.random.default_rng(0)
    reals = np.column_stack([np.arange(24), rng.normal(size=24)])
    tests = np.column_stack([100 + np.arange(8), rng.normal(size=8)])
    vectors = {"train_real": reals, "train_generated": np.full((5, 2), -1.0), "test_real": tests, "test_generated": np.full((7, 2), -2.0)}
    labels = np.array([1, 0] * 12)
    spaces = {"pixels": vectors, "features": vectors, "labels": labels,
              "ids": {"train_real": np.array([f"r{i}" for i in range(24)]), "test_real": np.array([f"t{i}" for i in range(8)])}}
    cv, test, control = nodes.score_membership(spaces, {"cv_folds": 3, "seed": 0})
    assert {generated for generated, _, _ in calls} == {-1, -2}, "the training generator, and the test one for the control"
    for _, queries, reference in calls:
        assert not queries & reference and all(labels[i] == 0 for i in reference)
    [test_call] = [call for call in calls if min(call[1]) >= 100]
    assert test_call[0] == -2 and test_call[2] == set(np.flatnonzero(labels == 0)), "test reals against every known non-member"
    assert set(cv["method"]) == set(control["method"]) == {"spy_pixels", "ensemble"} and len(test) == 16


def test_the_reference_generator_images_reach_the_calibrated_attack_and_no_other(monkeypatch):
    """The training reals are compared with the training split's reference, the test reals with the test split's;
    with the other split's generated images as the reference, the calibrated attack has no null control (its
    reference would be the control's own target) and stays out of the ensemble, whose control could not check it."""
    import numpy as np

    from gans_fingerprints.membership.registry import Attack
    from gans_fingerprints.pipelines.subtask1_membership import nodes

    calls = []

    def spy(name, column):
        def score(queries, generated, reference):
            calls.append((name, int(queries[0, 0]), int(generated[0, 0]), int(reference[0, 0]) if len(reference) else None))
            return queries[:, column]
        return score

    attacks = {"plain": Attack("plain", spy("plain", 1), spaces=("pixels",)),
               "calibrated": Attack("calibrated", spy("calibrated", 2), spaces=("pixels",), needs_reference_generator=True)}
    rng = np.random.default_rng(0)
    vectors = {"train_real": np.column_stack([np.zeros(24), rng.normal(size=(24, 2))]),
               "test_real": np.column_stack([np.ones(8), rng.normal(size=(8, 2))]),
               "train_generated": np.full((5, 3), -1.0), "test_generated": np.full((7, 3), -2.0),
               "train_reference": np.full((5, 3), -3.0), "test_reference": np.full((7, 3), -4.0)}
    spaces = {"pixels": vectors, "features": vectors, "labels": np.array([1, 0] * 12), "reference_source": "trained",
              "ids": {"train_real": np.array([f"r{i}" for i in range(24)]), "test_real": np.array([f"t{i}" for i in range(8)])}}
    monkeypatch.setattr(nodes, "registered_attacks", lambda: attacks)
    _, _, control = nodes.score_membership(spaces, {"cv_folds": 3, "seed": 0})
    seen = {name: {call[1:] for call in calls if call[0] == name} for name in attacks}
    assert seen["calibrated"] == {(0, -1, -3), (0, -2, -3), (1, -2, -4)}, "cv, control (train reference), test (test reference)"
    assert {reference for _, _, reference in seen["plain"]} <= {None, 0}, "the plain attack: none, or known non-members"
    assert set(control["method"]) == {"plain_pixels", "calibrated_pixels", "ensemble"}
    combined = []
    original = nodes.ensemble_decisions
    monkeypatch.setattr(nodes, "ensemble_decisions", lambda methods, *rest: combined.append(list(methods)) or original(methods, *rest))
    spaces["reference_source"] = "other_split"
    cv, test, control = nodes.score_membership(spaces, {"cv_folds": 3, "seed": 0})
    assert set(control["method"]) == {"plain_pixels", "ensemble"}
    assert "calibrated_pixels" in set(cv["method"]) & set(test["method"]), "still decided and written"
    assert combined == [["plain_pixels"]], "the ensemble combines only the attack its control can check"


def test_the_other_split_reference_is_that_split_s_generated_images_cut_to_the_target_s_count():
    import numpy as np

    from gans_fingerprints.pipelines.subtask1_membership.nodes import reference_vectors

    vectors = {"train_generated": np.arange(12.0)[:, None], "test_generated": 100 + np.arange(8.0)[:, None]}
    chosen = reference_vectors(vectors, "other_split", seed=0)
    assert chosen["train_reference"].ravel().tolist() == list(100 + np.arange(8.0)), "all 8 of the test generator's"
    test_reference = chosen["test_reference"].ravel()
    assert len(set(test_reference)) == 8 and set(test_reference) < set(np.arange(12.0)), "8 of the training generator's 12"
    np.testing.assert_array_equal(reference_vectors(vectors, "other_split", seed=0)["test_reference"].ravel(), test_reference)
    trained = {**vectors, "train_reference": np.zeros((3, 1)), "test_reference": np.ones((4, 1))}
    assert {k: len(v) for k, v in reference_vectors(trained, "trained", seed=0).items()} == {"train_reference": 3, "test_reference": 4}


def test_reference_generators_never_reuse_the_seeds_of_the_generators_under_attack():
    """The benchmark trains generator i with seed * 100 + i and samples it with seed * 1000 + i; an attacker's
    reference generator must not start from the target's initial weights or noise."""
    from gans_fingerprints.pipelines.subtask1_membership.nodes import reference_seeds

    for seed in (0, 1, 7, 2025):
        targets = {seed * 100 + i for i in range(32)} | {seed * 1000 + i for i in range(32)}
        drawn = [value for split in ("train", "test") for value in reference_seeds(seed, split)]
        assert len(set(drawn)) == 4 and not set(drawn) & targets
        assert reference_seeds(seed, "train") == reference_seeds(seed, "train"), "the same seeds on every run"


def test_the_reference_node_trains_nothing_for_other_split_and_refuses_what_it_cannot_train():
    import numpy as np
    import pandas as pd
    import pytest

    from gans_fingerprints.errors import UserInputError
    from gans_fingerprints.pipelines.subtask1_membership.nodes import reference_generator_images

    def manifest(roles):
        return pd.DataFrame({"image_id": [f"i{i}" for i in range(len(roles))], "role": roles, "stack_index": range(len(roles)),
                             "membership": ["used" if role == "real" else None for role in roles]})

    train, test = manifest(["real", "real", "generated"]), manifest(["generated", "generated"])  # no test reals
    images = np.zeros((3, 16, 16), np.uint8)
    params = {"device": "cpu", "seed": 0, "attacks": {}}
    assert reference_generator_images(train, images, test, images[:2], params) == ({"source": "other_split"}, {})
    tiny = {"patch_size": 4, "channel_multipliers": [1, 2]}  # valid at 16 px
    trained = {**params, "reference_generator": {"source": "trained", "family": "ddpm", "settings": tiny}}
    with pytest.raises(UserInputError, match=r"needs real images in subtask1/test"):
        reference_generator_images(train, images, test, images[:2], trained)
    bad = {**params, "reference_generator": {"source": "trained", "family": "ddpm", "settings": {**tiny, "prediction": "nope"}}}
    with pytest.raises(UserInputError, match=r"reference_generator\.settings"):
        reference_generator_images(train, images, test, images[:2], bad)
    with pytest.raises(UserInputError, match=r"attacks\.nope names no registered attack"):
        reference_generator_images(train, images, test, images[:2], {**trained, "attacks": {"nope": {}}})
