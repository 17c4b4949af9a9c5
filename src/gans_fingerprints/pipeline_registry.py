"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

NOT_IN_DEFAULT = ("benchmark",)
"""Pipelines that plain ``kedro run`` leaves out: the benchmark builder writes the raw data itself."""


def register_pipelines() -> dict[str, Pipeline]:
    """Register every pipeline package; ``__default__`` is ingestion plus every analysis pipeline."""
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipeline for name, pipeline in pipelines.items() if name not in NOT_IN_DEFAULT), start=Pipeline([])
    )
    return pipelines
