"""Shipped generator weights: trained once (any hardware), saved with their provenance, and used by a
build only when its settings are the ones that made them.

``python -m gans_fingerprints.benchmark.weights --profile P --env E --out DIR`` (what ``make
benchmark-weights PROFILE=P`` runs; ``--settings S.json`` instead takes settings written by
``--write-settings``, for a machine without the project's configuration) trains every generator of
the settings and writes ``DIR/<generator>.pt`` (half precision) and ``DIR/provenance.json`` (the
settings, the commit, seconds, machine and the command). An existing DIR is never overwritten.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gans_fingerprints.cores import cpu_budget
from gans_fingerprints.errors import UserInputError

PROVENANCE = "provenance.json"
logger = logging.getLogger(__name__)


def training_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The part of the build settings that decides the weights: the real images each generator
    trains on and the families' settings (not how many images are sampled)."""
    from gans_fingerprints.benchmark.build import training_generators  # noqa: PLC0415

    return {
        "seed": settings["seed"], "cohort_shift": settings["cohort_shift"], "subsets": settings["subsets"],
        "image_size": settings["image_size"], "version": settings["version"], "generators": training_generators(settings),
        "subtask1": {key: settings["subtask1"][key] for key in ("train_used", "test_used")},
        "subtask2": {"real_per_subset": settings["subtask2"]["real_per_subset"]},
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _half(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value.half() if value.is_floating_point() else value for key, value in state.items()}


def _commit() -> str:
    try:
        found = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=Path(__file__).parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                               check=True, cwd=Path(__file__).parent).stdout.strip()
        return found.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def save_weights(  # noqa: PLR0913 - what the provenance records
    folder: Path, states: dict[str, Any], settings: dict[str, Any], history: list[dict[str, Any]], seconds: dict[str, float], device: str,
    command: list[str], commit: str | None = None,
) -> None:
    """Every generator's weights in half precision, and the provenance that ties them to ``settings``.

    Written into ``<folder>.partial`` and renamed into place whole, so an interrupted run leaves no
    half-written folder; an existing ``folder`` (hours of training, perhaps) is never replaced."""
    import torch  # noqa: PLC0415

    from gans_fingerprints.benchmark.build import generator_key  # noqa: PLC0415

    refuse_existing(folder)
    staging = folder.with_name(folder.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)  # what an interrupted earlier run left: never a finished folder
    staging.mkdir(parents=True)
    generators = {}
    for name, entry in states.items():
        source = Path(os.path.abspath(entry["path"])) if "path" in entry else None
        if source is not None and source.parent.parent == Path(os.path.abspath(folder)).parent:
            # reused from a sibling profile's folder: pointed at, not copied (the repository's size limit)
            path, file = source, f"../{source.parent.name}/{source.name}"
        else:  # trained here, or reused from elsewhere (copied: a pointer out of the weights folder would not travel)
            path = staging / f"{name}.pt"
            torch.save(_half(entry["state"]), path)
            file = path.name
        generators[name] = {"family": entry["family"], "config": entry["config"], "key": generator_key(settings, name),
                            "history": [row for row in history if row["generator"] == name], "seconds": round(seconds[name], 1),
                            "file": file, "bytes": path.stat().st_size, "sha256": _sha256(path)}
    provenance = {
        "settings": training_settings(settings),
        "generators": generators,
        "commit": commit or _commit(),  # the code that trained them: read when training started
        "command": " ".join(["python", "-m", "gans_fingerprints.benchmark.weights", *command]),
        "seconds": {name: round(value, 1) for name, value in seconds.items()},
        "machine": {"device": device, "platform": platform.platform(), "python": platform.python_version(),
                    "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (staging / PROVENANCE).write_text(json.dumps(provenance, indent=1))
    refuse_existing(folder)
    staging.rename(folder)


def refuse_existing(folder: Path) -> None:
    """Stop before training (and again before the rename) when ``folder`` already holds weights."""
    if folder.exists():
        raise UserInputError(f"{folder} already exists: weights are never overwritten. Move it aside (or `git rm -r` it "
                             "to remake the shipped weights), or write to another --out.")


def read_weights(folder: Path, skip_unreadable: bool = False) -> dict[str, Any]:
    """One folder of shipped weights: its provenance and every generator's state (each file's hash checked).
    A generator reused from another profile's folder is a path relative to this one (``../demo/t1.pt``).
    ``skip_unreadable``: leave out (and log) a generator whose file is missing or changed instead of refusing
    the folder, for reuse from a folder moved aside or whose pointed-at files were remade."""
    import torch  # noqa: PLC0415

    provenance = json.loads((folder / PROVENANCE).read_text())
    states, skipped = {}, []
    for name, entry in provenance["generators"].items():
        path = folder / entry["file"]
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            if skip_unreadable:
                skipped.append(name)
                continue
            raise UserInputError(f"{path} is missing or is not the file {folder / PROVENANCE} records; restore it "
                                 "(git checkout) or remake the weights with `make benchmark-weights`.")
        states[name] = {**{key: entry[key] for key in ("family", "config", "key", "history", "seconds")},
                        "state": torch.load(path, map_location="cpu", weights_only=True), "path": str(path)}
    if skipped:
        logger.warning("%s: %d generator(s) not reusable, their files are missing or no longer the ones its %s records: %s.",
                       folder, len(skipped), PROVENANCE, ", ".join(skipped))
    return {"folder": str(folder), "provenance": provenance, "states": states}


def reusable_states(folders: list[Path], settings: dict[str, Any]) -> dict[str, Any]:
    """The generators of ``folders`` (the first that has it, in order) trained with these settings' keys:
    the ones a new weights folder points at or copies instead of training them again."""
    from gans_fingerprints.benchmark.build import generator_key, generators_of  # noqa: PLC0415

    keys = {name: generator_key(settings, name) for name in generators_of(settings)}
    found: dict[str, Any] = {}
    for folder in folders:
        for name, entry in read_weights(folder, skip_unreadable=True)["states"].items():
            if name in keys and name not in found and entry["key"] == keys[name]:
                found[name] = entry
    return found


def check_weights(shipped: dict[str, Any] | None, settings: dict[str, Any]) -> dict[str, Any]:
    """The shipped weights of the settings' profile, refused (saying what differs) unless made with these settings."""
    profile = settings["profile"]
    if shipped is None:
        raise UserInputError(f"No shipped generator weights for the {profile} profile: run `make benchmark-weights "
                             f"PROFILE={profile}` to make them, or set benchmark.train: true to train the generators in the build.")
    wanted, made = training_settings(settings), shipped["provenance"]["settings"]
    if wanted != made:
        differing = sorted(key for key in {*wanted, *made} if wanted.get(key) != made.get(key))
        raise UserInputError(
            f"The shipped generator weights in {shipped['folder']} were made with other settings ({', '.join(differing)} differ: "
            f"made with {({k: made.get(k) for k in differing})}, asked for {({k: wanted.get(k) for k in differing})}). "
            f"Run `make benchmark-weights PROFILE={profile}` to remake them, or set benchmark.train: true to train in the build."
        )
    return shipped


def main(argv: list[str] | None = None) -> int:
    """Train every generator of a settings file and write its weights and provenance."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--settings", type=Path, help="build settings (JSON), as --write-settings writes them")
    source.add_argument("--profile", help="resolve this benchmark profile from the project's configuration (needs Kedro)")
    parser.add_argument("--env", default="local", help="configuration environment for --profile, as `kedro run --env` (local, demo, ...)")
    parser.add_argument("--write-settings", type=Path, help="with --profile: write the resolved settings here and stop")
    parser.add_argument("--out", type=Path, help="folder for <generator>.pt and provenance.json")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--measure", action="store_true", help="also sample every generator and write its quality beside --out")
    parser.add_argument("--jobs", type=int, default=1, help="train this many generators at once, each in its own process "
                        "(a GPU has room for several small models; on a CPU they only share its cores)")
    parser.add_argument("--reuse", type=Path, nargs="+", default=[],
                        help="folders of weights: generators trained there with equal settings are not retrained")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = json.loads(args.settings.read_text()) if args.settings else project_settings(args.profile, args.env)
    if args.write_settings:
        args.write_settings.write_text(json.dumps(settings, indent=1))
        return 0
    if args.out is None:
        parser.error("--out is required unless --write-settings is given")
    from gans_fingerprints.benchmark.build import (  # noqa: PLC0415
        json_records,
        measure_quality,
        sample_generated_images,
        simulate_real_images,
        train_generators,
    )
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415

    refuse_existing(args.out)  # before hours of training, not after
    commit = _commit()  # the code that trains, not whatever is checked out when it ends
    if args.measure and settings.get("quality_features"):
        from gans_fingerprints.benchmark.build import quality_backbone  # noqa: PLC0415

        quality_backbone(settings["quality_features"], settings["seed"])  # missing weights: stop now, not after training
    device = resolve_device(args.device)
    real = simulate_real_images(settings)
    reuse = reusable_states(args.reuse, settings) if args.reuse else None
    if args.jobs > 1:
        states, history, training = train_in_parallel(settings, real, device, args.jobs, reuse)
    else:
        states, history, training = train_generators(settings, real, device, reuse)
    seconds = {key.removeprefix("train_"): value for key, value in training.items() if key.startswith("train_")}
    save_weights(args.out, states, settings, json_records(history), seconds, str(device), argv, commit)
    logger.info("Wrote %d generators' weights to %s (%.0f s of training).", len(states), args.out, sum(seconds.values()))
    if args.measure:
        generated, sampling = sample_generated_images(settings, states, device)
        quality = measure_quality(settings, real, generated, device)
        table = {name: {k: v for k, v in scores.items() if k != "spectrum"} for name, scores in quality.items()}
        (args.out.parent / f"{args.out.name}_quality.json").write_text(json.dumps({"sampling_seconds": sampling, **table}, indent=1))
    return 0


def _train_alone(settings: dict[str, Any], name: str, device_name: str, threads: int) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """One generator, in a worker process of its own (the real images are simulated again there: same seed, same images)."""
    from gans_fingerprints.benchmark.build import simulate_real_images, train_generators  # noqa: PLC0415
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415

    os.environ["OMP_NUM_THREADS"] = str(threads)  # resolve_device sets torch's threads within it
    return train_generators(settings, simulate_real_images(settings), resolve_device(device_name), only={name})


def train_in_parallel(
    settings: dict[str, Any], real: Any, device: Any, jobs: int, reuse: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """:func:`train_generators`, with the generators that need training trained ``jobs`` at a time in
    worker processes; each keeps its own training seed, so the weights are those of a serial run."""
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    from gans_fingerprints.benchmark.build import generator_key, generators_of, train_generators  # noqa: PLC0415

    names = list(generators_of(settings))
    reused = [name for name in names if (reuse or {}).get(name, {}).get("key") == generator_key(settings, name)]
    to_train = [name for name in names if name not in reused]
    threads = max(1, cpu_budget() // jobs)
    results = [train_generators(settings, real, device, reuse, only=set(reused))] if reused else []
    if to_train:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results += list(pool.map(_train_alone, [settings] * len(to_train), to_train, [str(device)] * len(to_train),
                                     [threads] * len(to_train)))
    states = {name: state for result in results for name, state in result[0].items()}
    history = pd.concat([result[1] for result in results], ignore_index=True)
    training = {key: value for result in results for key, value in result[2].items()}
    logger.info("Trained %d generators, %d at a time, on %s.", len(to_train), jobs, device)
    return {name: states[name] for name in names}, history, training


def project_settings(profile: str, env: str) -> dict[str, Any]:
    """The settings ``kedro run --env ENV --pipelines benchmark --params benchmark.profile=PROFILE`` builds with."""
    from kedro.config import OmegaConfigLoader  # noqa: PLC0415 - only to read the project's configuration

    from gans_fingerprints.benchmark.settings import resolve_settings  # noqa: PLC0415

    root = Path.cwd() / "conf"
    if not root.is_dir():
        raise UserInputError(f"No conf/ folder in {Path.cwd()}: run this from the project's root (or pass --settings).")
    from gans_fingerprints.settings import CONFIG_LOADER_ARGS  # noqa: PLC0415

    loader = OmegaConfigLoader(str(root), **{**CONFIG_LOADER_ARGS, "default_run_env": env})
    params = dict(loader["parameters"]["benchmark"])
    params["profile"] = profile
    return resolve_settings(params)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UserInputError as error:  # a message naming the file and the fix, not a traceback
        sys.exit(f"error: {error}")
