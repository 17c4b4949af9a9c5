"""Wiring of the ``benchmark`` pipeline (never part of the default run: it writes the raw data)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.pipelines.benchmark.nodes import (
    build_release,
    plan_benchmark,
    plot_generator_quality,
    plot_sample_grids,
    plot_training_losses,
    summarise_benchmark,
    training_history,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Plan, build the release (or find it built), write it, report on it."""
    return Pipeline(
        [
            Node(plan_benchmark, ["params:benchmark", "benchmark_target", "benchmark_shipped_weights"], "benchmark_plan",
                 name="plan_benchmark"),
            Node(
                build_release,
                ["benchmark_plan", "benchmark_target", "benchmark_shipped_weights"],
                ["raw_data_root@release", "benchmark_release_contents", "benchmark_generators"],
                name="build_release",
            ),
            Node(training_history, "benchmark_release_contents", "benchmark_training_history", name="training_history"),
            Node(plot_training_losses, "benchmark_training_history", "benchmark_training_curves", name="plot_training_losses"),
            Node(plot_sample_grids, "benchmark_release_contents", "benchmark_sample_grids", name="plot_sample_grids"),
            Node(plot_generator_quality, "benchmark_release_contents", "benchmark_quality_figure", name="plot_generator_quality"),
            Node(summarise_benchmark, ["benchmark_plan", "benchmark_release_contents"], "benchmark_summary", name="summarise_benchmark"),
        ],
        tags=["benchmark"],
    )
