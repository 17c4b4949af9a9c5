"""A benchmark profile resolved into the settings a build records (and compares, to skip a rebuild)."""

from __future__ import annotations

import logging
from typing import Any

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.generators.registry import family

logger = logging.getLogger(__name__)
BENCHMARK_VERSION = 1
"""Bump when the simulator or a generator family changes what a given set of settings produces."""
SUBTASKS = ("subtask1", "subtask2")


def generator_settings(name: str, profile: dict[str, Any]) -> dict[str, Any]:
    """Per subtask: the family that makes its generated images and that family's settings, from
    ``profile.generators.<subtask>`` (``{family: ddpm, steps: ...}``)."""
    if "gan" in profile:
        raise UserInputError(f"benchmark.profiles.{name}.gan is now benchmark.profiles.{name}.generators.<subtask> "
                             "(for example generators: {subtask1: {family: dcgan, steps: 350}, subtask2: {...}}); move it.")
    blocks = profile.get("generators") or {}
    chosen = {}
    for subtask in SUBTASKS:
        where = f"benchmark.profiles.{name}.generators.{subtask}"
        block = dict(blocks.get(subtask) or {})
        if "family" not in block:
            raise UserInputError(f"{where}.family is missing: name the generator family of {subtask} (parameters_benchmark.yml).")
        family_name = str(block.pop("family"))
        family(family_name, f"{where}.family").config(block, int(profile["image_size"]), where)  # refuse unknown settings now
        chosen[subtask] = {"family": family_name, "settings": block}
    return chosen


def resolve_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The chosen profile of ``params`` (the ``benchmark`` parameter block) as build settings."""
    name = str(params["profile"])
    profiles = params["profiles"]
    if name not in profiles:
        raise UserInputError(f"Unknown benchmark profile {name!r}; choose one of {sorted(profiles)} (parameters_benchmark.yml).")
    profile = profiles[name]
    if "cohort_shift" in profile and float(profile["cohort_shift"]) != float(params["cohort_shift"]):
        logger.warning("The %s profile fixes cohort_shift at %s; benchmark.cohort_shift (%s) does not apply to it.",
                       name, profile["cohort_shift"], params["cohort_shift"])
    return {
        "profile": name,
        "seed": int(params["seed"]),
        "cohort_shift": float(profile.get("cohort_shift", params["cohort_shift"])),  # a profile may fix its own
        "subsets": [str(s) for s in params["subsets"]],
        "image_size": int(profile["image_size"]),
        "subtask1": dict(profile["subtask1"]),
        "subtask2": dict(profile["subtask2"]),
        "generators": generator_settings(name, profile),
        "version": BENCHMARK_VERSION,
        **({"quality_features": quality_features(params["quality_features"])} if params.get("quality_features") else {}),
        **({"open_set_images": open_set_images(params["open_set_images"])} if params.get("open_set_images") else {}),
    }


def open_set_images(value: Any) -> int:
    """``benchmark.open_set_images``: a count of images, refused in one line when it is not."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserInputError(f"benchmark.open_set_images must be a whole number of images (0: off), got {value!r} "
                             "(parameters_benchmark.yml).")
    return value


def quality_features(block: Any) -> dict[str, str]:
    """``benchmark.quality_features``: ``{backbone, weights}``, refused in one line when it is not."""
    if not isinstance(block, dict) or set(block) != {"backbone", "weights"} or block["weights"] not in ("imagenet", "none"):
        raise UserInputError(f"benchmark.quality_features must be {{backbone: <a subtask2_features backbone>, weights: imagenet|none}} "
                             f"(or left out to measure pixels only), got {block!r} (parameters_benchmark.yml).")
    return {"backbone": str(block["backbone"]), "weights": str(block["weights"])}
