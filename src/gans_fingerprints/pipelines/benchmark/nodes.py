"""Benchmark nodes: simulated CT cohorts, one real DCGAN per training set, a release with ground truth."""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.datasets.release import ReleaseTarget, SyntheticRelease
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import sequential_ids
from gans_fingerprints.simulation.cohorts import BASE_COHORT, describe, subset_cohort
from gans_fingerprints.simulation.ct_phantom import CohortSpec, render_slice

logger = logging.getLogger(__name__)

WRITER = "benchmark"
BENCHMARK_VERSION = 1
"""Bump when the simulator or the GAN changes what a given set of settings produces."""


@dataclass
class RealImages:
    """Simulated real images per role, before they get release names."""

    stacks: dict[str, np.ndarray] = field(default_factory=dict)
    cohorts: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class GeneratedImages:
    """Images sampled from each trained generator."""

    stacks: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0


def plan_benchmark(params: dict[str, Any], release_target: ReleaseTarget) -> dict[str, Any]:
    """Resolve the profile into settings; refuse a root holding user data; skip when already built."""
    name = str(params["profile"])
    profiles = params["profiles"]
    if name not in profiles:
        raise UserInputError(f"Unknown benchmark profile {name!r}; choose one of {sorted(profiles)} (parameters_benchmark.yml).")
    profile = profiles[name]
    settings = {
        "profile": name,
        "seed": int(params["seed"]),
        "cohort_shift": float(params["cohort_shift"]),
        "subsets": [str(s) for s in params["subsets"]],
        "image_size": int(profile["image_size"]),
        "subtask1": dict(profile["subtask1"]),
        "subtask2": dict(profile["subtask2"]),
        "gan": dict(profile["gan"]),
        "version": BENCHMARK_VERSION,
    }
    if settings["gan"].get("image_size", settings["image_size"]) != settings["image_size"]:
        raise UserInputError("benchmark gan.image_size must equal the profile's image_size (or be left out).")
    up_to_date = release_target.holds(WRITER, settings)
    if not up_to_date:  # refuse before hours of training, not after: the root holds user data
        release_target.check_writable()
    else:
        logger.info(
            "The %s benchmark is already built under %s; skipping the build and re-issuing its reports.",
            name,
            release_target.root,
        )
    return {
        "settings": settings,
        "up_to_date": up_to_date,
        "root": release_target.root,
        "device": params["device"],
        "target": release_target,
        "built": release_target.marker if up_to_date else None,
    }


def _rng(settings: dict[str, Any], purpose: str) -> np.random.Generator:
    """A generator that depends only on the seed and what it is for (stable across runs and counts)."""
    return np.random.default_rng([settings["seed"], zlib.crc32(purpose.encode())])


def _render(cohort: CohortSpec, count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return np.stack([render_slice(cohort, size, rng) for _ in range(count)]) if count else np.zeros((0, size, size), np.uint8)


def simulate_real_images(plan: dict[str, Any]) -> RealImages:
    """Draw the real patients: subtask 1 from one population, subtask 2's subsets from shifted cohorts."""
    if plan["up_to_date"]:
        return RealImages(cohorts=plan["built"]["provenance"]["cohorts"])
    start = time.perf_counter()
    settings = plan["settings"]
    size, s1, s2 = settings["image_size"], settings["subtask1"], settings["subtask2"]
    real = RealImages()
    roles = {
        "subtask1_train_used": s1["train_used"],
        "subtask1_train_not_used": s1["train_not_used"],
        "subtask1_test_used": s1["test_used"],
        "subtask1_test_not_used": s1["test_not_used"],
    }
    for role, count in roles.items():
        real.stacks[role] = _render(BASE_COHORT, int(count), size, _rng(settings, role))
    real.cohorts["subtask1"] = describe(BASE_COHORT)
    for index, subset in enumerate(settings["subsets"]):
        cohort = subset_cohort(index, settings["cohort_shift"])
        real.stacks[subset] = _render(cohort, int(s2["real_per_subset"]), size, _rng(settings, subset))
        real.cohorts[subset] = describe(cohort)
    real.seconds = time.perf_counter() - start
    logger.info("Simulated %d real slices in %.1f s.", sum(len(s) for s in real.stacks.values()), real.seconds)
    return real


def _training_sets(settings: dict[str, Any], real: RealImages) -> dict[str, np.ndarray]:
    """Which real images each generator trains on."""
    sets = {"subtask1_train": real.stacks["subtask1_train_used"], "subtask1_test": real.stacks["subtask1_test_used"]}
    sets.update({subset: real.stacks[subset] for subset in settings["subsets"]})
    return sets


def train_generators(plan: dict[str, Any], real: RealImages) -> tuple[dict[str, Any], pd.DataFrame, dict[str, float]]:
    """Train one DCGAN per training set, on that set only; returns weights, loss history and seconds."""
    columns = ["generator", "step", "d_loss", "g_loss", "d_real", "d_fake"]
    if plan["up_to_date"]:  # the weights and history of the build that made the release
        provenance = plan["built"]["provenance"]
        return plan["target"].generator_states(), pd.DataFrame(provenance["history"], columns=columns), provenance["training"]
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only when training
    from gans_fingerprints.models.gan_training import GanConfig, train_gan  # noqa: PLC0415

    settings = plan["settings"]
    device = resolve_device(plan["device"])
    config = GanConfig(**{"image_size": settings["image_size"], **settings["gan"]})
    states: dict[str, Any] = {"config": asdict(config)}
    histories, seconds = [], {}
    for index, (name, images) in enumerate(_training_sets(settings, real).items()):
        start = time.perf_counter()
        generator, history = train_gan(images, config, device, seed=settings["seed"] * 100 + index, name=f"generator {name}")
        seconds[name] = time.perf_counter() - start
        states[name] = {key: value.cpu() for key, value in generator.state_dict().items()}
        histories.append(history.assign(generator=name))
    history = pd.concat(histories, ignore_index=True)[columns]
    logger.info("Trained %d generators in %.1f s on %s.", len(seconds), sum(seconds.values()), device)
    return states, history, {"device": str(device), **{f"train_{k}": v for k, v in seconds.items()}}


def sample_generated_images(plan: dict[str, Any], generator_states: dict[str, Any]) -> GeneratedImages:
    """Sample each generator's share: its training-split images, then its test-split images."""
    if plan["up_to_date"]:
        return GeneratedImages()
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415
    from gans_fingerprints.models.dcgan import Generator  # noqa: PLC0415
    from gans_fingerprints.models.gan_training import sample_images  # noqa: PLC0415

    start = time.perf_counter()
    settings = plan["settings"]
    s1, s2 = settings["subtask1"], settings["subtask2"]
    counts = {"subtask1_train": int(s1["train_generated"]), "subtask1_test": int(s1["test_generated"])}
    counts.update({s: int(s2["generated_per_subset"]) + int(s2["test_per_subset"]) for s in settings["subsets"]})
    config = generator_states["config"]
    device = resolve_device(plan["device"])
    generated = GeneratedImages()
    for index, (name, count) in enumerate(counts.items()):
        generator = Generator(config["image_size"], config["latent_dim"], config["base_channels"])
        generator.load_state_dict(generator_states[name])
        generated.stacks[name] = sample_images(generator.to(device), count, device, seed=settings["seed"] * 1000 + index)
    generated.seconds = time.perf_counter() - start
    return generated


def assemble_release(
    plan: dict[str, Any],
    real: RealImages,
    generated: GeneratedImages,
    generator_states: dict[str, Any],
    gan_history: pd.DataFrame,
    training: dict[str, Any],
) -> tuple[SyntheticRelease, SyntheticRelease]:
    """Name and shuffle everything into the release layout, with the test ground truth.

    The generators' weights and the build's provenance (cohorts, loss history, seconds) travel
    with the release. Returns it twice: for the raw root (written) and, in memory, for the reports.
    When the root already holds this release, it is read back (a few images per folder) instead.
    """
    if plan["up_to_date"]:
        release = _existing_release(plan)
    else:
        release = _assemble(plan, real, generated)
        release.generator_states = generator_states
        release.provenance = {
            "cohorts": real.cohorts,
            "history": gan_history.to_dict("records"),
            "training": training,
            "seconds": {"simulate_real_images": real.seconds, "sample_generated_images": generated.seconds},
        }
    return release, release


def _existing_release(plan: dict[str, Any], per_folder: int = 8) -> SyntheticRelease:
    built = plan["built"]
    release = SyntheticRelease(writer=WRITER, settings=plan["settings"], up_to_date=True, provenance=built["provenance"])
    for folder in built["counts"]:
        release.images[folder] = plan["target"].first_images(folder, per_folder)
    return release


def _assemble(plan: dict[str, Any], real: RealImages, generated: GeneratedImages) -> SyntheticRelease:
    settings = plan["settings"]
    release = SyntheticRelease(writer=WRITER, settings=settings)
    rng = _rng(settings, "assemble")
    images = release.images
    used, not_used = real.stacks["subtask1_train_used"], real.stacks["subtask1_train_not_used"]
    images["subtask1/train/real_used"] = (sequential_ids("used_", len(used)), used)
    images["subtask1/train/real_not_used"] = (sequential_ids("not_used_", len(not_used)), not_used)
    train_generated, test_generated = generated.stacks["subtask1_train"], generated.stacks["subtask1_test"]
    images["subtask1/train/generated"] = (sequential_ids("generated_", len(train_generated)), train_generated)
    test_reals = np.concatenate([real.stacks["subtask1_test_used"], real.stacks["subtask1_test_not_used"]])
    labels = np.array([1] * len(real.stacks["subtask1_test_used"]) + [0] * len(real.stacks["subtask1_test_not_used"]))
    order = rng.permutation(len(test_reals))
    test_ids = sequential_ids("real_unknown_", len(order))
    images["subtask1/test/real_unknown"] = (test_ids, test_reals[order])
    images["subtask1/test/generated"] = (sequential_ids("generated_", len(test_generated)), test_generated)
    release.ground_truth["subtask1_test.csv"] = pd.DataFrame({"image_id": test_ids, "label": labels[order]})

    train_share = int(settings["subtask2"]["generated_per_subset"])
    test_stacks, test_subsets = [], []
    for subset in settings["subsets"]:
        images[f"subtask2/train/real/{subset}"] = (sequential_ids(f"{subset}_", len(real.stacks[subset])), real.stacks[subset])
        own = generated.stacks[subset]
        images[f"subtask2/train/generated/gen_{subset}"] = (sequential_ids(f"gen_{subset}_", train_share), own[:train_share])
        test_stacks.append(own[train_share:])
        test_subsets += [subset] * len(own[train_share:])
    test_images = np.concatenate(test_stacks)
    order = rng.permutation(len(test_images))
    unknown_ids = sequential_ids("", len(order), width=5)
    images["subtask2/test/generated_unknown"] = (unknown_ids, test_images[order])
    release.ground_truth["subtask2_test.csv"] = pd.DataFrame(
        {"image_id": unknown_ids, "subset": np.array(test_subsets)[order]}
    )
    return release


def plot_gan_losses(history: pd.DataFrame) -> dict[str, Figure]:
    """One figure per generator: both losses, and the discriminator's output on real and generated images."""
    figures = {}
    for name, rows in history.groupby("generator", sort=False):
        figure, (losses, outputs) = plt.subplots(1, 2, figsize=(10, 3.5))
        losses.plot(rows["step"], rows["d_loss"], label="discriminator")
        losses.plot(rows["step"], rows["g_loss"], label="generator")
        losses.set(title=f"{name}: losses", xlabel="step", ylabel="loss")
        losses.legend()
        outputs.plot(rows["step"], rows["d_real"], label="D(real)")
        outputs.plot(rows["step"], rows["d_fake"], label="D(generated)")
        outputs.set(title=f"{name}: discriminator output", xlabel="step", ylim=(0, 1))
        outputs.legend()
        figure.tight_layout()
        figures[f"{name}.png"] = figure
    return figures


def plot_sample_grids(release: SyntheticRelease, per_row: int = 8) -> dict[str, Figure]:
    """Per training set: a row of its real images above a row of its generator's images."""
    pairs = {
        "subtask1_train": ("subtask1/train/real_used", "subtask1/train/generated"),
        "subtask1_test": ("subtask1/test/real_unknown", "subtask1/test/generated"),
    }
    subsets = release.settings["subsets"]
    pairs.update({s: (f"subtask2/train/real/{s}", f"subtask2/train/generated/gen_{s}") for s in subsets})
    figures = {}
    for name, folders in pairs.items():
        rows = [release.images[folder][1][:per_row] for folder in folders]
        columns = max(len(r) for r in rows)
        figure, axes = plt.subplots(2, columns, figsize=(1.6 * columns, 3.6), squeeze=False)
        for row, (label, stack) in enumerate(zip(("real", "generated"), rows, strict=True)):
            for column in range(columns):
                axis = axes[row][column]
                axis.axis("off")
                if column < len(stack):
                    axis.imshow(stack[column], cmap="gray", vmin=0, vmax=255)
            axes[row][0].set_title(label, loc="left", fontsize=9)
        figure.suptitle(f"{name}: real training images (top) and generated images (bottom)")
        figure.tight_layout()
        figures[f"{name}.png"] = figure
    return figures


def summarise_benchmark(plan: dict[str, Any], release: SyntheticRelease) -> dict[str, Any]:
    """What was built (or found already built): counts, sizes, settings, cohorts, seconds per stage."""
    provenance = release.provenance
    counts = plan["built"]["counts"] if plan["up_to_date"] else release.counts()
    training = provenance["training"]
    train_seconds = {k: round(v, 2) for k, v in training.items() if k.startswith("train_")}
    return {
        "status": "up_to_date" if plan["up_to_date"] else "built",
        "root": plan["root"],
        "settings": plan["settings"],
        "device": training.get("device"),
        "image_size": plan["settings"]["image_size"],
        "counts": counts,
        "total_images": sum(counts.values()),
        "cohorts": provenance["cohorts"],
        "seconds": {
            **{k: round(v, 2) for k, v in provenance["seconds"].items()},
            "train_generators": round(sum(train_seconds.values()), 2),
            **train_seconds,
        },
    }
