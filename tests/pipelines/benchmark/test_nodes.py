"""Where a build's generator weights come from: trained here, or shipped (and when it refuses)."""

import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.pipelines.benchmark.nodes import _weights_source

SHIPPED = {"demo": {"provenance_sha256": "abc"}}


def test_auto_samples_from_shipped_weights_and_otherwise_trains():
    assert _weights_source("auto", "demo", SHIPPED, trains_in_build=True) == {"source": "shipped", "provenance_sha256": "abc"}
    assert _weights_source("auto", "tiny", SHIPPED, trains_in_build=True) == {"source": "trained"}
    assert _weights_source("true", "demo", SHIPPED, trains_in_build=False) == {"source": "trained"}


def test_a_profile_too_slow_to_train_in_a_build_refuses_without_its_weights():
    with pytest.raises(UserInputError, match=r"demo_generalising profile's generators are too slow .*make benchmark-weights "
                                             r"PROFILE=demo_generalising.*benchmark\.train: true"):
        _weights_source("auto", "demo_generalising", SHIPPED, trains_in_build=False)
    with pytest.raises(UserInputError, match=r"benchmark\.train is false and the tiny profile has no shipped weights"):
        _weights_source("false", "tiny", SHIPPED, trains_in_build=True)
    with pytest.raises(UserInputError, match="must be auto, true or false"):
        _weights_source("yes", "tiny", SHIPPED, trains_in_build=True)
