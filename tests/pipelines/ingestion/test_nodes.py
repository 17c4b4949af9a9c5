"""Unit tests of the ingestion nodes: the first node checks every split before any is written."""

from __future__ import annotations

import shutil

import pytest

from gans_fingerprints.pipelines.ingestion.common import IngestionError
from tests.pipelines.ingestion.harness import start


def test_every_split_is_checked_before_any_is_written(sample_root):
    """Layout and ground-truth problems of any split stop the first node, so no split is replaced."""
    shutil.rmtree(sample_root / "subtask2" / "test" / "generated_unknown")
    with pytest.raises(IngestionError, match="generated_unknown does not exist"):
        start(sample_root)
