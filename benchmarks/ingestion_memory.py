"""Peak memory and time of ingesting 35,000 256x256 images, against a naive loader in the same run.

Writes a synthetic subtask-2 release (20,000 training and 15,000 test PNGs by default) into a
temporary folder, then measures, each in a fresh process:

* ``kedro run --pipelines ingestion`` (this project), and
* the naive way: decode every image into a Python list, then ``np.stack`` the list.

Prints a table of seconds, decoding rate and peak resident memory (ru_maxrss), with ratios against the
naive baseline, and the speed-up of decoding on every available core (``ingestion.workers=auto``) over
one process (``workers=1``), all measured in the same run; and the same ingestion of a 70-image release,
the floor every ``kedro run`` pays (Python, Kedro, pandas), so "flat whatever the split size" is visible.
Tracking is off (MLflow's start-up is not ingestion's).
Usage: ``uv run python benchmarks/ingestion_memory.py [--images 35000] [--size 256]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from gans_fingerprints.cores import available_cores
from gans_fingerprints.scratch_project import make_scratch_project

NAIVE_LOADER = """
import sys, numpy as np
from pathlib import Path
from PIL import Image
root = Path(sys.argv[1])
for split in ("train", "test"):
    images = [np.asarray(Image.open(p).convert("L")) for p in sorted((root / "subtask2" / split).rglob("*.png"))]
    stack = np.stack(images)
    np.save(Path(sys.argv[2]) / f"{split}.npy", stack)
    del images, stack
"""


def write_release(root: Path, total: int, size: int, seed: int = 0) -> None:
    """Write ``total`` PNGs in the subtask-2 layout: 4/7 training (real + generated), 3/7 test."""
    rng = np.random.default_rng(seed)
    per_folder = max(1, round(total * 4 / 7 / 10))
    bases = [rng.integers(0, 200, (size // 8, size // 8), dtype=np.uint8) for _ in range(16)]
    written = 0

    def save(folder: Path, name: str) -> None:
        nonlocal written
        folder.mkdir(parents=True, exist_ok=True)
        base = np.kron(bases[written % len(bases)], np.ones((8, 8), dtype=np.uint8))
        pixels = base + rng.integers(0, 56, (size, size), dtype=np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / f"{name}.png", compress_level=1)
        written += 1

    for k in range(1, 6):
        for i in range(per_folder):
            save(root / "subtask2" / "train" / "real" / f"t{k}", f"t{k}_{i:05d}")
            save(root / "subtask2" / "train" / "generated" / f"gen_t{k}", f"gen_t{k}_{i:05d}")
    for i in range(total - written):
        save(root / "subtask2" / "test" / "generated_unknown", f"{i:05d}")


PEAK_WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
sys.stdout.write(code.stdout[-20000:]); sys.stderr.write(code.stderr[-20000:])
print(f"PEAK_RSS_KIB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(code.returncode)
"""


RATE = re.compile(r"Ingested (\w+): (\d+) images in ([\d.]+) s")


def decoding_rate(log: str) -> float:
    """Images per second over the decoding of every split, from the ingestion's ``Ingested ...`` log lines."""
    splits = {name: (int(images), float(seconds)) for name, images, seconds in RATE.findall(log)}
    images, seconds = sum(v[0] for v in splits.values()), sum(v[1] for v in splits.values())
    return images / seconds if seconds else float("nan")


def measure(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Run ``command`` under its own wrapper process; return (seconds, peak RSS in MiB, decoding images/s)."""
    log = cwd / "logs" / "info.log"  # the project's unwrapped log file (the console's lines wrap)
    logged = log.stat().st_size if log.exists() else 0
    start = time.perf_counter()
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "GANS_FINGERPRINTS_TRACKING": "off"}
    result = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *command], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    peak_kib = int(result.stdout.rsplit("PEAK_RSS_KIB=", 1)[1])
    new_lines = log.read_bytes()[logged:].decode("utf-8", "replace") if log.exists() else ""
    return seconds, peak_kib / 1024, decoding_rate(new_lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=35_000)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ingestion_bench_") as tmp:
        work = Path(tmp)
        raw = work / "raw"
        start = time.perf_counter()
        write_release(raw, args.images, args.size)
        count = sum(1 for _ in raw.rglob("*.png"))
        print(f"wrote {count} PNGs of {args.size}x{args.size} in {time.perf_counter() - start:.0f} s")

        project = make_scratch_project(work / "project")
        naive_out = work / "naive"
        naive_out.mkdir()

        naive = measure([sys.executable, "-c", NAIVE_LOADER, str(raw), str(naive_out)], naive_out)
        naive = (naive[0], naive[1], count / naive[0])

        def ingestion(root: Path, workers: str) -> tuple[float, float, float]:
            return measure([sys.executable, "-m", "kedro", "run", "--pipelines", "ingestion", "--params",
                            f"raw_data_root={root},ingestion.image_size={args.size},ingestion.workers={workers}"], project)

        small = work / "small"
        write_release(small, 70, args.size)
        floor = ingestion(small, "1")
        one = ingestion(raw, "1")
        pooled = ingestion(raw, "auto")
        raw_mib = count * args.size * args.size / 2**20
        print()
        print(f"{'method':<48}{'seconds':>9}{'images/s':>10}{'peak RSS MiB':>14}{'RSS / naive':>13}{'s / naive':>11}"
              f"{'speed-up':>10}")
        rows = (("naive list + np.stack (baseline)", naive),
                ("kedro ingestion of 70 images (start-up floor)", floor),
                ("kedro ingestion, one process (workers=1)", one),
                (f"kedro ingestion, workers=auto ({available_cores()} cores)", pooled))
        for name, (seconds, peak, rate) in rows:
            print(f"{name:<48}{seconds:>9.1f}{rate:>10.0f}{peak:>14.0f}{peak / naive[1]:>13.2f}{seconds / naive[0]:>11.2f}"
                  f"{one[0] / seconds:>10.2f}")
        print("images/s: the decoding nodes' own rate (kedro rows; start-up excluded), or the whole script's (naive).")
        print(f"speed-up: seconds against one process; decoding alone: {pooled[2] / one[2]:.2f}x. Peak RSS is the "
              "largest single process.")
        print(f"\nuint8 pixels of all {count} images: {raw_mib:.0f} MiB. Targets: speed-up >= 1.8x on 2 cores; "
              f"peak RSS under 1 GB (1024 MiB); above the start-up floor by {pooled[1] - floor[1]:.0f} MiB.")


if __name__ == "__main__":
    main()
