"""Seconds per stage of building the synthetic benchmark, per profile and generator family.

Each profile is built from scratch in a temporary project (with the shipped generator weights) and
raw root with ``kedro run --pipelines benchmark``: a profile with shipped weights samples from them,
the others train their generators. The table gives each stage's seconds and its share of
that build's wall time, measured in the same run. "other" is Kedro start-up, writing the PNGs,
the figures and the model files.

Usage: ``uv run python benchmarks/benchmark_build.py [--profiles tiny demo demo_dcgan] [--device auto]``
(``paper`` needs a GPU to finish in reasonable time; ``--train`` trains even where weights are shipped).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gans_fingerprints.scratch_project import make_scratch_project


def build(profile: str, device: str, train: bool) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix=f"bench_{profile}_") as tmp:
        work = Path(tmp)
        project = make_scratch_project(work / "project", shipped_weights=True)
        params = f"raw_data_root={work / 'raw'},benchmark.profile={profile},benchmark.device={device}"
        params += ",benchmark.train=true" if train else ""
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "kedro", "run", "--pipelines", "benchmark", "--params", params],
            cwd=project,
            env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"},
            capture_output=True,
            check=False,
            text=True,
        )
        wall = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{profile} build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        [summary_path] = (project / "data" / "08_reporting").glob("benchmark_summary.json/*/benchmark_summary.json")
        return wall, json.loads(summary_path.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["tiny", "demo", "demo_dcgan"])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--train", action="store_true", help="train every generator, shipped weights or not")
    args = parser.parse_args()
    print(f"{'profile':<19}{'families':<14}{'weights':<9}{'stage':<34}{'seconds':>9}{'share':>8}")
    for profile in args.profiles:
        wall, summary = build(profile, args.device, args.train)
        seconds = summary["seconds"]
        families = "+".join(sorted({row["family"] for row in summary["quality"]}))
        weights = "shipped" if "shipped_weights" in summary else "trained"
        label = f"{profile:<19}{families:<14}{weights:<9}"
        stages = {key: seconds[key] for key in ("simulate_real_images", "train_generators", "sample_generated_images", "measure_quality")
                  if key in seconds}
        stages["other (start-up, writing, figures)"] = wall - sum(stages.values())
        for stage, value in stages.items():
            print(f"{label}{stage:<34}{value:>9.1f}{value / wall:>8.0%}")
        for key, value in seconds.items():
            if key.startswith("train_") and key != "train_generators":
                print(f"{label}{'  ' + key:<34}{value:>9.1f}{value / wall:>8.0%}")
        print(f"{label}{'total (' + str(summary['total_images']) + ' images, ' + summary['device'] + ')':<34}{wall:>9.1f}{1:>8.0%}")

if __name__ == "__main__":
    main()
