"""Project pipelines."""

from __future__ import annotations

import importlib
import importlib.resources

from kedro.pipeline import Pipeline

from gans_fingerprints.evaluation.summary import summary_sources
from gans_fingerprints.pipelines import reporting, subtask1_comparison

NOT_IN_DEFAULT = ("benchmark",)
"""Pipelines that plain ``kedro run`` leaves out: the benchmark builder writes the raw data itself."""
ASSEMBLED = ("reporting", "subtask1_comparison")
"""Pipelines whose inputs are found here: every method summary (and subtask-1 decision table) the others write."""
DECISIONS = "_cv_results"


def every_pipeline() -> dict[str, Pipeline]:
    """Each package of ``gans_fingerprints.pipelines`` with its ``create_pipeline()``, by name.

    Kedro's ``find_pipelines`` loads only the pipelines a ``kedro run --pipelines`` names; the
    assembled pipelines need all of them to know their inputs, so every run sees one graph.
    """
    package = importlib.resources.files("gans_fingerprints.pipelines")
    names = sorted(entry.name for entry in package.iterdir() if entry.is_dir() and not entry.name.startswith(("_", ".")))
    return {name: importlib.import_module(f"gans_fingerprints.pipelines.{name}").create_pipeline() for name in names}


def register_pipelines() -> dict[str, Pipeline]:
    """Register every pipeline package; ``__default__`` is ingestion plus every analysis pipeline.

    ``reporting`` reads every ``<method>_summary`` the method pipelines write and
    ``subtask1_comparison`` every subtask-1 pipeline that writes ``<source>_cv_results``, so a new
    method pipeline joins both without an edit to either.
    """
    pipelines = every_pipeline()
    methods = sum(
        (pipeline for name, pipeline in pipelines.items() if name not in (*NOT_IN_DEFAULT, *ASSEMBLED)), start=Pipeline([])
    )
    outputs = methods.all_outputs()
    sources = sorted(name.removesuffix(DECISIONS) for name in outputs if name.endswith(DECISIONS))
    pipelines["subtask1_comparison"] = subtask1_comparison.create_pipeline(sources=sources)
    pipelines["reporting"] = reporting.create_pipeline(summaries=summary_sources(outputs))
    pipelines["__default__"] = sum(
        (pipeline for name, pipeline in pipelines.items() if name not in NOT_IN_DEFAULT), start=Pipeline([])
    )
    return pipelines
