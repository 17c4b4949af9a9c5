"""How far the benchmark's quality numbers move between sampling seeds.

A build draws each generator's images with one seed and measures them once (``benchmark_summary`` →
``quality``). At the demo's sizes (40 to 120 generated images against 16 to 40 reals, k = 3) one seed is
a small sample, so this script samples every generator of a profile again from its shipped weights with
``--seeds`` seeds (seed offset 0 is the build's own draw, so its row reproduces the build) and measures each
draw exactly as the build does, against the same reals. It prints, per generator and measure, the build's
value and the mean, standard deviation, minimum and maximum over the draws, and writes ``quality_spread.csv``
(every draw) into a new timestamped folder under ``--out``.

It samples the shipped half-precision files on the CPU, as a ``kedro run`` build on a CPU does: a build on a
GPU, or ``make benchmark-weights --measure`` (which samples the full-precision weights it has just trained),
may differ from the offset-0 row in the last digits.

Usage: ``uv run python benchmarks/quality_spread.py [--profile demo] [--env local] [--seeds 5] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from gans_fingerprints.benchmark.build import measure_quality, sample_generated_images, simulate_real_images
from gans_fingerprints.benchmark.weights import check_weights, project_settings, read_weights
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.scratch_project import REPO_ROOT, SHIPPED_WEIGHTS

sys.path.insert(0, str(Path(__file__).parent))
from scratch_runs import new_output_folder, require_weights

MEASURES = {"precision": "precision", "recall": "recall", "near_copy_share": "near copies", "membership_auc": "member AUC",
            "spectral_distance": "spectral distance"}
FEATURE_MEASURES = {"precision": "feature precision", "recall": "feature recall"}


def draws(profile: str, env: str, seeds: int) -> pd.DataFrame:
    """One row per generator, sampling seed offset and measure: the value measured on that draw."""
    try:
        settings = {**project_settings(profile, env), "open_set_images": 0}  # the outsider is not a generator measured
        shipped = check_weights(read_weights(REPO_ROOT / SHIPPED_WEIGHTS / profile), settings)
    except UserInputError as error:
        sys.exit(str(error))
    real = simulate_real_images(settings)
    rows = []
    for offset in range(seeds):
        start = time.perf_counter()
        generated, _ = sample_generated_images({**settings, "seed": settings["seed"] + offset}, shipped["states"], "cpu")
        quality = measure_quality(settings, real, generated)
        for generator, measured in quality.items():
            rows += [{"generator": generator, "offset": offset, "measure": label, "value": measured[key]}
                     for key, label in MEASURES.items()]
            rows += [{"generator": generator, "offset": offset, "measure": label, "value": measured["features"][key]}
                     for key, label in FEATURE_MEASURES.items() if "features" in measured]
        print(f"draw {offset + 1}/{seeds}: {time.perf_counter() - start:.0f} s", flush=True)
    return pd.DataFrame(rows)


def spread(table: pd.DataFrame) -> pd.DataFrame:
    """Per generator and measure: the build's draw (offset 0), then mean, sd, min and max over every draw."""
    grouped = table.groupby(["generator", "measure"], sort=False)["value"]
    summary = grouped.agg(["mean", "std", "min", "max"])
    summary.insert(0, "build", table[table["offset"] == 0].set_index(["generator", "measure"])["value"])
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--env", default="local", help="the configuration environment the build would use")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "08_reporting" / "quality_spread")
    args = parser.parse_args()
    if args.seeds < 2:
        parser.error("--seeds must be at least 2 (a spread needs two draws)")
    require_weights([args.profile], "about an hour on 2 CPU cores")
    os.chdir(REPO_ROOT)  # the project's conf/, wherever the script is run from
    table = draws(args.profile, args.env, args.seeds)
    out = new_output_folder(args.out)
    table.to_csv(out / "quality_spread.csv", index=False)
    print(f"\n{args.profile}: quality over {args.seeds} sampling seeds (build = the build's own draw)")
    print(spread(table).round(3).reset_index().to_string(index=False))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
