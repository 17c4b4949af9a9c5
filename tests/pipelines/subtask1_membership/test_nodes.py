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
