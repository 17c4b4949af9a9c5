"""The steps of a benchmark build: simulate the real patients, train one generator per training set
(any registered family), sample each, and lay everything out as a release with ground truth."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints.benchmark.synthetic_release import SyntheticRelease
from gans_fingerprints.distances import pairwise_distances
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.generator_quality import generator_quality, pixel_vectors, quality_from_vectors, radial_power_spectrum
from gans_fingerprints.generators.registry import family
from gans_fingerprints.layout import UNKNOWN_SUBSET, sequential_ids
from gans_fingerprints.seeding import purpose_rng
from gans_fingerprints.simulation.cohorts import BASE_COHORT, describe, subset_cohort
from gans_fingerprints.simulation.ct_phantom import CohortSpec, render_slice

logger = logging.getLogger(__name__)
WRITER = "benchmark"
DISPLAYED = 8
"""Generated images per generator shown in the sample grids (with their nearest training reals)."""


@dataclass
class RealImages:
    """Simulated real images per role, before they get release names."""

    stacks: dict[str, np.ndarray] = field(default_factory=dict)
    cohorts: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0


def _rng(settings: dict[str, Any], purpose: str) -> np.random.Generator:
    """A generator that depends only on the build's seed and what it is for (:func:`purpose_rng`)."""
    return purpose_rng(settings["seed"], purpose)


def _render(cohort: CohortSpec, count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return np.stack([render_slice(cohort, size, rng) for _ in range(count)]) if count else np.zeros((0, size, size), np.uint8)


def simulate_real_images(settings: dict[str, Any]) -> RealImages:
    """Draw the real patients: subtask 1 from one population, subtask 2's subsets from shifted cohorts."""
    start = time.perf_counter()
    size, s1, s2 = settings["image_size"], settings["subtask1"], settings["subtask2"]
    real = RealImages()
    for role in ("train_used", "train_not_used", "test_used", "test_not_used"):
        real.stacks[f"subtask1_{role}"] = _render(BASE_COHORT, int(s1[role]), size, _rng(settings, f"subtask1_{role}"))
    real.cohorts["subtask1"] = describe(BASE_COHORT)
    for index, subset in enumerate(settings["subsets"]):
        cohort = subset_cohort(index, settings["cohort_shift"])
        real.stacks[subset] = _render(cohort, int(s2["real_per_subset"]), size, _rng(settings, subset))
        real.cohorts[subset] = describe(cohort)
    real.seconds = time.perf_counter() - start
    logger.info("Simulated %d real slices in %.1f s.", sum(len(s) for s in real.stacks.values()), real.seconds)
    return real


def generators_of(settings: dict[str, Any]) -> dict[str, str]:
    """Each generator (named after its training set) and the subtask whose family and settings it uses."""
    return {"subtask1_train": "subtask1", "subtask1_test": "subtask1", **{subset: "subtask2" for subset in settings["subsets"]}}


def _configs(settings: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Per subtask: its registered family and that family's settings."""
    configs = {}
    for subtask, chosen in settings["generators"].items():
        where = f"benchmark.profiles.{settings['profile']}.generators.{subtask}"
        generator_family = family(chosen["family"], f"{where}.family")
        configs[subtask] = (generator_family, generator_family.config(chosen["settings"], settings["image_size"], where))
    return configs


def training_generators(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings["generators"]`` without the settings only sampling reads (DDIM steps, say)."""
    return {subtask: {"family": chosen["family"], "settings": family(chosen["family"], subtask).training_options(chosen["settings"])}
            for subtask, chosen in settings["generators"].items()}


def generator_key(settings: dict[str, Any], name: str) -> dict[str, Any]:
    """Everything one generator's weights depend on: its training images (seed, population, count),
    its training seed and its family's training settings. Equal keys mean interchangeable weights."""
    names, subtask = list(generators_of(settings)), generators_of(settings)[name]
    key = {"generator": name, "seed": settings["seed"], "training_seed": settings["seed"] * 100 + names.index(name),
           "image_size": settings["image_size"], "version": settings["version"],
           "generator_settings": training_generators(settings)[subtask]}
    if subtask == "subtask1":
        key["training_images"] = settings["subtask1"]["train_used" if name == "subtask1_train" else "test_used"]
    else:
        key.update(training_images=settings["subtask2"]["real_per_subset"], cohort_shift=settings["cohort_shift"],
                   subset_index=settings["subsets"].index(name))
    return key


def train_generators(
    settings: dict[str, Any], real: RealImages, device: Any, reuse: dict[str, Any] | None = None,
    only: Collection[str] | None = None,
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """One generator per training set, trained on that set only: weights, loss history, seconds.

    ``reuse`` (generator name → ``{"key", "family", "config", "state", "history", "seconds"}``) supplies
    generators already trained with an equal :func:`generator_key`, which are not trained again.
    ``only``: just these generators (each keeps its own training seed), for training them apart.
    """
    training_sets = {"subtask1_train": real.stacks["subtask1_train_used"], "subtask1_test": real.stacks["subtask1_test_used"]}
    training_sets.update({subset: real.stacks[subset] for subset in settings["subsets"]})
    configs, subtasks = _configs(settings), generators_of(settings)
    states: dict[str, Any] = {}
    histories, seconds, reused = [], {}, []
    for index, (name, images) in enumerate(training_sets.items()):
        if only is not None and name not in only:
            continue
        generator_family, config = configs[subtasks[name]]
        earlier = (reuse or {}).get(name)
        if earlier is not None and earlier["key"] == generator_key(settings, name):
            logger.info("%s: reusing weights trained earlier with the same settings.", name)
            states[name] = {key: earlier[key] for key in ("family", "config", "state", "path") if key in earlier}
            histories.append(pd.DataFrame(earlier["history"]).assign(generator=name, family=generator_family.name))
            seconds[name] = earlier["seconds"]
            reused.append(name)
            continue
        start = time.perf_counter()
        state, history = generator_family.implementation.train(
            images, config, device, seed=settings["seed"] * 100 + index, name=f"{generator_family.name} {name}"
        )
        seconds[name] = time.perf_counter() - start
        states[name] = {"family": generator_family.name, "config": asdict(config), "state": state}
        histories.append(history.assign(generator=name, family=generator_family.name))
    history = pd.concat(histories, ignore_index=True)
    history = history[["generator", "family", *[c for c in history.columns if c not in ("generator", "family")]]]
    trained = {name: value for name, value in seconds.items() if name not in reused}
    logger.info("Trained %d generators in %.1f s on %s%s.", len(trained), sum(trained.values()), device,
                f" ({len(reused)} reused, trained earlier in {sum(seconds[n] for n in reused):.1f} s)" if reused else "")
    return states, history, {"device": str(device), **{f"train_{k}": v for k, v in seconds.items()}}


OPEN_SET_OUTSIDER = "open_set_outsider"
OPEN_SET_SOURCE = "subtask1_test"
"""With ``open_set_images``, that many images of subtask 1's test generator (trained on its own cohort, never on
a subset's) join the subtask-2 test folder, labelled ``unknown`` in its ground truth."""


def sample_generated_images(settings: dict[str, Any], states: dict[str, Any], device: Any) -> tuple[dict[str, np.ndarray], float]:
    """Each generator's share: its training-split images, then its test-split images; and the seconds."""
    start = time.perf_counter()
    s1, s2 = settings["subtask1"], settings["subtask2"]
    counts = {"subtask1_train": int(s1["train_generated"]), "subtask1_test": int(s1["test_generated"])}
    counts.update({s: int(s2["generated_per_subset"]) + int(s2["test_per_subset"]) for s in settings["subsets"]})
    configs, subtasks = _configs(settings), generators_of(settings)
    if settings.get("open_set_images"):  # sampled last, so every other generator's seed stays as it was
        counts[OPEN_SET_OUTSIDER] = int(settings["open_set_images"])
    generated = {}
    for index, (name, count) in enumerate(counts.items()):
        source = OPEN_SET_SOURCE if name == OPEN_SET_OUTSIDER else name
        generator_family, config = configs[subtasks[source]]
        generated[name] = generator_family.implementation.sample(
            states[source]["state"], config, count, device, seed=settings["seed"] * 1000 + index
        )
    return generated, time.perf_counter() - start


def assemble(settings: dict[str, Any], real: RealImages, generated: dict[str, np.ndarray]) -> SyntheticRelease:
    """Name and shuffle everything into the release layout, with the test ground truth."""
    release = SyntheticRelease(writer=WRITER, settings=settings)
    rng = _rng(settings, "assemble")
    images = release.images
    used, not_used = real.stacks["subtask1_train_used"], real.stacks["subtask1_train_not_used"]
    images["subtask1/train/real_used"] = (sequential_ids("used_", len(used)), used)
    images["subtask1/train/real_not_used"] = (sequential_ids("not_used_", len(not_used)), not_used)
    train_generated, test_generated = generated["subtask1_train"], generated["subtask1_test"]
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
        own = generated[subset]
        images[f"subtask2/train/generated/gen_{subset}"] = (sequential_ids(f"gen_{subset}_", train_share), own[:train_share])
        test_stacks.append(own[train_share:])
        test_subsets += [subset] * len(own[train_share:])
    if OPEN_SET_OUTSIDER in generated:  # the open-set check: images of a generator none of the subsets trained
        test_stacks.append(generated[OPEN_SET_OUTSIDER])
        test_subsets += [UNKNOWN_SUBSET] * len(generated[OPEN_SET_OUTSIDER])
    test_images = np.concatenate(test_stacks)
    order = rng.permutation(len(test_images))
    unknown_ids = sequential_ids("", len(order), width=5)
    images["subtask2/test/generated_unknown"] = (unknown_ids, test_images[order])
    release.ground_truth["subtask2_test.csv"] = pd.DataFrame({"image_id": unknown_ids, "subset": np.array(test_subsets)[order]})
    return release


def held_out_reals(settings: dict[str, Any]) -> dict[str, np.ndarray]:
    """Per subtask-2 subset, reals of its cohort that no generator saw and the release does not hold:
    the held-out side of each subset generator's memorisation ratio."""
    count = int(settings["subtask2"].get("held_out_per_subset", settings["subtask2"]["real_per_subset"]))
    return {subset: _render(subset_cohort(index, settings["cohort_shift"]), count, settings["image_size"],
                            _rng(settings, f"{subset}_held_out"))
            for index, subset in enumerate(settings["subsets"])}


def quality_sets(settings: dict[str, Any], real: RealImages) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per generator: its training reals and held-out reals of the same population (not used by it)."""
    sets = {"subtask1_train": (real.stacks["subtask1_train_used"], real.stacks["subtask1_train_not_used"]),
            "subtask1_test": (real.stacks["subtask1_test_used"], real.stacks["subtask1_test_not_used"])}
    held_out = held_out_reals(settings)
    sets.update({subset: (real.stacks[subset], held_out[subset]) for subset in settings["subsets"]})
    return sets


FEATURE_METRICS = ("precision", "recall", "floor_precision", "floor_recall", "near_copy_share", "membership_auc")


def quality_backbone(space: dict[str, Any], seed: int) -> Any:
    """The backbone of the quality feature space, or a one-line error naming ``benchmark.quality_features``
    (called before training too, so missing ImageNet weights stop a build at its start, not after an hour)."""
    from gans_fingerprints.models.backbones import MissingWeightsError, build_backbone  # noqa: PLC0415 - torch only here

    try:
        return build_backbone(space["backbone"], space["weights"], download=False, seed=seed)[0]
    except MissingWeightsError as error:
        raise UserInputError(f"benchmark.quality_features asks for {space['backbone']}'s ImageNet weights, which are not in the "
                             f"torch cache: put them there or set benchmark.quality_features.weights=none. ({error})") from None


def backbone_vector_function(space: dict[str, Any], seed: int, device: Any) -> tuple[Any, str]:
    """A function from a uint8 stack to one of the project's backbones' globally pooled features, at the
    images' own size (ImageNet normalisation only), and the space's name. ``space``: ``{"backbone", "weights"}``;
    ``weights: imagenet`` needs the weights in the torch cache (nothing is downloaded in a build)."""
    from torchvision.transforms import Normalize  # noqa: PLC0415 - torch only when measuring

    from gans_fingerprints.models.backbones import extract_features  # noqa: PLC0415

    model = quality_backbone(space, seed)
    normalise = Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    name = f"{space['backbone']} ({'ImageNet' if space['weights'] == 'imagenet' else 'random'} weights)"
    return (lambda stack: extract_features(model, normalise, stack, device)), name


def measure_quality(
    settings: dict[str, Any], real: RealImages, generated: dict[str, np.ndarray], device: Any = "cpu"
) -> dict[str, dict[str, Any]]:
    """Every generator's improved precision/recall (with the real-vs-real floor), memorisation and
    spectral distance, in pixel space at 32 px (or the image size, if smaller), and the same vector
    measures in the feature space ``settings["quality_features"]`` names (under ``features``)."""
    space = settings.get("quality_features")
    if space:
        import torch  # noqa: PLC0415 - torch only when measuring in a feature space

        vectors, space_name = backbone_vector_function(space, settings["seed"], torch.device(str(device)))
    else:
        vectors, space_name = None, None
    quality = {}
    for name, (train, held_out) in quality_sets(settings, real).items():
        quality[name] = generator_quality(generated[name], train, held_out, pixel_size=min(32, settings["image_size"]),
                                          seed=settings["seed"])
        frequency, real_power = radial_power_spectrum(train)
        quality[name]["spectrum"] = {"frequency": frequency.tolist(), "real": real_power.tolist(),
                                     "generated": radial_power_spectrum(generated[name])[1].tolist()}
        logger.info("%s: precision %.2f (floor %.2f), recall %.2f (floor %.2f), near copies %.2f, member AUC %.2f", name,
                    quality[name]["precision"], quality[name]["floor_precision"], quality[name]["recall"],
                    quality[name]["floor_recall"], quality[name]["near_copy_share"], quality[name]["membership_auc"])
        if vectors is not None:
            in_space = quality_from_vectors(vectors(generated[name]), vectors(train), vectors(held_out), seed=settings["seed"])
            quality[name]["features"] = {"space": space_name, **{key: in_space[key] for key in FEATURE_METRICS}}
            logger.info("%s in %s: precision %.2f, recall %.2f", name, space_name, in_space["precision"], in_space["recall"])
    return quality


def nearest_training_reals(settings: dict[str, Any], release: SyntheticRelease, shown: int = DISPLAYED) -> dict[str, list[list[str]]]:
    """For the first ``shown`` generated images of each generator: the release folder and id of its
    nearest training real (pixel space), so the sample grids show memorisation as a third row."""
    truth = release.ground_truth["subtask1_test.csv"]
    unknown_ids = release.images["subtask1/test/real_unknown"][0]
    members = np.isin(unknown_ids, truth.loc[truth["label"] == 1, "image_id"].astype(str))
    sources = {"subtask1_train": ("subtask1/train/generated", "subtask1/train/real_used", None),
               "subtask1_test": ("subtask1/test/generated", "subtask1/test/real_unknown", members)}
    sources.update({s: (f"subtask2/train/generated/gen_{s}", f"subtask2/train/real/{s}", None) for s in settings["subsets"]})
    size = min(32, settings["image_size"])
    nearest = {}
    for name, (generated_folder, real_folder, chosen) in sources.items():
        ids, stack = release.images[real_folder]
        ids, stack = (ids, stack) if chosen is None else (list(np.asarray(ids)[chosen]), stack[chosen])
        distances = pairwise_distances(pixel_vectors(release.images[generated_folder][1][:shown], size), pixel_vectors(stack, size))
        nearest[name] = [[real_folder, ids[i]] for i in distances.argmin(axis=1)]
    return nearest


def json_records(history: pd.DataFrame) -> list[dict[str, Any]]:
    """A loss history as JSON rows (a family's columns only: no NaN for the others')."""
    return [{k: v for k, v in row.items() if pd.notna(v)} for row in history.to_dict("records")]


def build(settings: dict[str, Any], device_name: str, shipped: dict[str, Any] | None = None) -> SyntheticRelease:
    """Every step, in order: generators trained here, or (``shipped``) sampled from shipped weights.
    The release carries its generators' weights and the build's provenance."""
    from gans_fingerprints.devices import resolve_device  # noqa: PLC0415 - torch only when building

    device = resolve_device(device_name)
    if settings.get("quality_features"):
        quality_backbone(settings["quality_features"], settings["seed"])  # missing weights stop the build before training
    real = simulate_real_images(settings)
    if shipped is None:
        states, history, training = train_generators(settings, real, device)
    else:
        made = shipped["provenance"]
        states = shipped["states"]
        history = pd.DataFrame([row for entry in states.values() for row in entry["history"]])
        training = {"device": str(device),  # this build trained nothing; where the weights were made is kept apart
                    "shipped": {"weights": shipped["folder"], "commit": made["commit"], "machine": made["machine"],
                                "training_seconds": made["seconds"]}}
        logger.info("Sampling from the shipped weights in %s (made on %s, commit %s).", shipped["folder"],
                    made["machine"].get("gpu") or made["machine"]["device"], made["commit"])
    generated, sampling_seconds = sample_generated_images(settings, states, device)
    start = time.perf_counter()
    quality = measure_quality(settings, real, generated, device)
    quality_seconds = time.perf_counter() - start
    release = assemble(settings, real, generated)
    release.generator_states = states
    release.provenance = {
        "cohorts": real.cohorts,
        "quality": quality,
        "nearest_training_reals": nearest_training_reals(settings, release),
        "history": json_records(history),
        "training": training,
        "seconds": {"simulate_real_images": real.seconds, "sample_generated_images": sampling_seconds,
                    "measure_quality": quality_seconds},
    }
    return release
