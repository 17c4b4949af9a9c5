"""Wiring of the ``benchmark`` pipeline (never part of the default run: it writes the raw data)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from gans_fingerprints.pipelines.benchmark.nodes import (
    assemble_release,
    plan_benchmark,
    plot_gan_losses,
    plot_sample_grids,
    sample_generated_images,
    simulate_real_images,
    summarise_benchmark,
    train_generators,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Plan, simulate reals, train a GAN per training set, sample, write the release, report."""
    return Pipeline(
        [
            Node(plan_benchmark, ["params:benchmark", "benchmark_target"], "benchmark_plan", name="plan_benchmark"),
            Node(simulate_real_images, "benchmark_plan", "benchmark_real_images", name="simulate_real_images"),
            Node(
                train_generators,
                ["benchmark_plan", "benchmark_real_images"],
                ["benchmark_generators", "benchmark_gan_history", "benchmark_training_seconds"],
                name="train_generators",
            ),
            Node(
                sample_generated_images,
                ["benchmark_plan", "benchmark_generators"],
                "benchmark_generated_images",
                name="sample_generated_images",
            ),
            Node(
                assemble_release,
                [
                    "benchmark_plan",
                    "benchmark_real_images",
                    "benchmark_generated_images",
                    "benchmark_generators",
                    "benchmark_gan_history",
                    "benchmark_training_seconds",
                ],
                ["raw_data_root@release", "benchmark_release_contents"],
                name="assemble_release",
            ),
            Node(plot_gan_losses, "benchmark_gan_history", "benchmark_gan_loss_curves", name="plot_gan_losses"),
            Node(plot_sample_grids, "benchmark_release_contents", "benchmark_sample_grids", name="plot_sample_grids"),
            Node(
                summarise_benchmark,
                ["benchmark_plan", "benchmark_release_contents"],
                "benchmark_summary",
                name="summarise_benchmark",
            ),
        ],
        tags=["benchmark"],
    )
