"""Subtask-1 steps every method shares: the run-file validator node."""

import pandas as pd
import pytest

from gans_fingerprints.evaluation.run_files import RunFileError
from gans_fingerprints.evaluation.subtask1 import validate_subtask1_run_files


def test_the_validator_node_rejects_a_broken_run_file():
    manifest = pd.DataFrame({"image_id": ["a", "b"], "role": ["real", "real"]})
    assert validate_subtask1_run_files(manifest, good="a,1\nb,0\n")["valid"]
    with pytest.raises(RunFileError, match=r"line 2: label '2' is not one of \['0', '1'\]"):
        validate_subtask1_run_files(manifest, bad="a,1\nb,2\n")
    with pytest.raises(RunFileError, match="1 test image"):
        validate_subtask1_run_files(manifest, short="a,1\n")
