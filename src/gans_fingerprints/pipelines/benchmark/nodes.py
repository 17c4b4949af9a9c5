"""Benchmark nodes: plan the build (or find it already built), build the release, report on it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gans_fingerprints.benchmark.build import DISPLAYED, WRITER, build
from gans_fingerprints.benchmark.settings import resolve_settings
from gans_fingerprints.benchmark.synthetic_release import SyntheticRelease
from gans_fingerprints.benchmark.weights import check_weights
from gans_fingerprints.datasets.release import ReleaseTarget
from gans_fingerprints.errors import UserInputError

logger = logging.getLogger(__name__)

def _weights_source(train: str, profile: str, shipped: Mapping[str, Any], trains_in_build: bool) -> dict[str, Any]:
    """Train here or sample from shipped weights: ``train: auto`` uses the profile's shipped weights if
    any, and otherwise trains, unless the profile says its generators are too slow to train in a build."""
    if train not in ("auto", "true", "false"):
        raise UserInputError(f"benchmark.train must be auto, true or false, not {train!r} (parameters_benchmark.yml).")
    if train == "true" or (train == "auto" and profile not in shipped and trains_in_build):
        return {"source": "trained"}
    if profile not in shipped:
        why = ("benchmark.train is false" if train == "false" else
               f"the {profile} profile's generators are too slow to train in a build (its train_in_build: false)")
        raise UserInputError(f"{why} and the {profile} profile has no shipped weights: make them once with "
                             f"`make benchmark-weights PROFILE={profile}` (on a GPU if there is one; add REUSE=<profile> to "
                             "point at another profile's generators with equal settings, e.g. REUSE=demo, instead of training "
                             "them again), or set benchmark.train: true to train them in this build anyway.")
    return {"source": "shipped", "provenance_sha256": shipped[profile]["provenance_sha256"]}


def plan_benchmark(params: dict[str, Any], release_target: ReleaseTarget, shipped_weights: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve the profile into settings; refuse a root holding user data; say whether it is already built."""
    settings = resolve_settings(params)
    train = str(params.get("train", "auto")).lower()
    trains_in_build = bool(params["profiles"][settings["profile"]].get("train_in_build", True))
    settings["generator_weights"] = _weights_source(train, settings["profile"], shipped_weights, trains_in_build)
    if settings["generator_weights"]["source"] == "shipped":
        check_weights(shipped_weights[settings["profile"]], settings)  # before anything is written
    up_to_date = release_target.holds(WRITER, settings)
    if up_to_date:
        logger.info("The %s benchmark is already built under %s; skipping the build and re-issuing its reports.",
                    settings["profile"], release_target.root)
    else:  # refuse before hours of training, not after: the root holds user data
        release_target.check_writable()
    return {"settings": settings, "up_to_date": up_to_date, "root": release_target.root, "device": str(params["device"])}


def build_release(
    plan: dict[str, Any], release_target: ReleaseTarget, shipped_weights: Mapping[str, Any]
) -> tuple[SyntheticRelease, SyntheticRelease, dict[str, Any]]:
    """The one place a build is skipped: an up-to-date root gives back what it holds (its settings,
    provenance, weights and the first images of each folder), anything else is built.

    Returns the release twice (for the raw root, written unless up to date, and in memory for the
    reports) and the generators' weights.
    """
    if plan["up_to_date"]:
        release = release_target.existing_release(WRITER)
    else:
        settings = plan["settings"]
        shipped = shipped_weights[settings["profile"]] if settings["generator_weights"]["source"] == "shipped" else None
        release = build(settings, plan["device"], shipped)
    return release, release, release.generator_states or {}


def training_history(release: SyntheticRelease) -> pd.DataFrame:
    """The loss history of every generator (a row per logged step; columns depend on the family)."""
    return pd.DataFrame(release.provenance["history"])


def plot_training_losses(history: pd.DataFrame) -> dict[str, Figure]:
    """One figure per generator: every quantity its family logs, against the training step."""
    figures = {}
    for name, rows in history.groupby("generator", sort=False):
        columns = [c for c in rows.columns if c not in ("generator", "family", "step") and rows[c].notna().any()]
        figure, axes = plt.subplots(1, len(columns), figsize=(3.6 * len(columns), 3.2), squeeze=False)
        for axis, column in zip(axes[0], columns, strict=True):
            axis.plot(rows["step"], rows[column])
            axis.set(title=column, xlabel="step")
        figure.suptitle(f"{name} ({rows['family'].iloc[0]})")
        figure.tight_layout()
        figures[f"{name}.png"] = figure
    return figures


def _image(release: SyntheticRelease, folder: str, image_id: str) -> np.ndarray:
    ids, stack = release.images[folder]
    return stack[list(ids).index(image_id)]


def plot_sample_grids(release: SyntheticRelease, per_row: int = DISPLAYED) -> dict[str, Figure]:
    """Per generator: its real training images, its generated images, and under each generated image
    its nearest training real (pixel space): a near copy shows as two equal images in a column."""
    pairs = {
        "subtask1_train": ("subtask1/train/real_used", "subtask1/train/generated", "real training images"),
        "subtask1_test": ("subtask1/test/real_unknown", "subtask1/test/generated", "test reals (members and non-members)"),
    }
    subsets = release.settings["subsets"]
    pairs.update({s: (f"subtask2/train/real/{s}", f"subtask2/train/generated/gen_{s}", "real training images") for s in subsets})
    nearest = release.provenance.get("nearest_training_reals", {})
    quality = release.provenance.get("quality", {})
    figures = {}
    for name, folders in pairs.items():
        rows = [(folders[2], release.images[folders[0]][1][:per_row]), ("generated", release.images[folders[1]][1][:per_row])]
        if name in nearest:
            rows.append(("nearest training real", np.stack([_image(release, folder, i) for folder, i in nearest[name][:per_row]])))
        columns = max(len(stack) for _, stack in rows)
        figure, axes = plt.subplots(len(rows), columns, figsize=(1.6 * columns, 1.75 * len(rows) + 0.5), squeeze=False)
        for row, (label, stack) in enumerate(rows):
            for column in range(columns):
                axis = axes[row][column]
                axis.axis("off")
                if column < len(stack):
                    axis.imshow(stack[column], cmap="gray", vmin=0, vmax=255)
            axes[row][0].set_title(label, loc="left", fontsize=9)
        scores = quality.get(name)
        measured = (f"\nprecision {scores['precision']:.2f}, recall {scores['recall']:.2f}, "
                    f"near copies {scores['near_copy_share']:.2f}" if scores else "")
        figure.suptitle(f"{name}: {folders[2]}, generated images, nearest training real{measured}", fontsize=10)
        figure.tight_layout()
        figures[f"{name}.png"] = figure
    return figures


def quality_table(release: SyntheticRelease) -> pd.DataFrame:
    """One row per generator: family, improved precision and recall with their real-vs-real floor,
    near-copy share, median memorisation ratio, membership AUC and spectral distance."""
    families = {name: state["family"] for name, state in (release.generator_states or {}).items()}
    rows = [{"generator": name, "family": families.get(name, "?"),
             **{k: v for k, v in scores.items() if k not in ("spectrum", "features")},
             **{f"feature_{k}": v for k, v in scores.get("features", {}).items()}}
            for name, scores in release.provenance.get("quality", {}).items()]
    return pd.DataFrame(rows)


def _quality_bars(axis: Any, table: pd.DataFrame, prefix: str, title: str) -> None:
    """Precision, recall (with their floor), near copies and member AUC per generator, from ``prefix`` columns."""
    positions = np.arange(len(table))
    for offset, column, colour in ((-0.3, "precision", "tab:blue"), (-0.1, "recall", "tab:orange"),
                                   (0.1, "near_copy_share", "tab:red"), (0.3, "membership_auc", "tab:purple")):
        drawn = axis.bar(positions + offset, table[prefix + column], width=0.2, color=colour, label=column.replace("_", " "))
        axis.bar_label(drawn, fmt="%.2f", fontsize=6, rotation=90, padding=2)  # a zero is a number, not a missing bar
    axis.scatter(positions - 0.3, table[prefix + "floor_precision"], marker="_", s=300, color="black", label="real-vs-real floor", zorder=3)
    axis.scatter(positions - 0.1, table[prefix + "floor_recall"], marker="_", s=300, color="black", zorder=3)
    axis.set_xticks(positions, table["generator"], rotation=30)
    axis.set(ylim=(0, 1.2), title=title)


def plot_generator_quality(release: SyntheticRelease) -> Figure:
    """Precision and recall against their real-vs-real floor, near copies and member AUC per
    generator; and each generator's radial power spectrum against its training reals'."""
    table, quality = quality_table(release), release.provenance.get("quality", {})
    in_features = "feature_precision" in table and table["feature_precision"].notna().all()
    figure, axes = plt.subplots(1, 3 if in_features else 2, figsize=(21 if in_features else 14, 4.6))
    bars, spectra = axes[0], axes[-1]
    if table.empty:
        bars.text(0.5, 0.5, "no quality measured (a release built before quality was measured)", ha="center")
        return figure
    _quality_bars(bars, table, "", "generator quality and memorisation (pixel space)")
    if in_features:
        _quality_bars(axes[1], table, "feature_", f"the same in feature space: {table['feature_space'].iloc[0]}")
    axes[1 if in_features else 0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for name, scores in quality.items():
        spectrum = scores["spectrum"]
        line = spectra.semilogy(spectrum["frequency"][1:], spectrum["generated"][1:], label=name)[0]
        spectra.semilogy(spectrum["frequency"][1:], spectrum["real"][1:], color=line.get_color(), linestyle=":")
    spectra.set(title="radial power spectrum: generated (solid), training reals (dotted)", xlabel="frequency (cycles/pixel)")
    spectra.legend(fontsize=7)
    figure.tight_layout()
    return figure


def summarise_benchmark(plan: dict[str, Any], release: SyntheticRelease) -> dict[str, Any]:
    """What was built (or found already built): counts, sizes, settings, cohorts, seconds per stage."""
    provenance = release.provenance
    counts = release.recorded_counts or release.counts()
    training = provenance["training"]
    train_seconds = {k: round(v, 2) for k, v in training.items() if k.startswith("train_")}
    return {
        "status": "up_to_date" if plan["up_to_date"] else "built",
        "root": plan["root"],
        "settings": plan["settings"],
        "device": training.get("device"),
        **({"shipped_weights": training["shipped"]} if "shipped" in training else {}),
        "image_size": plan["settings"]["image_size"],
        "counts": counts,
        "total_images": sum(counts.values()),
        "cohorts": provenance["cohorts"],
        "quality": quality_table(release).to_dict("records"),
        "seconds": {
            **{k: round(v, 2) for k, v in provenance["seconds"].items()},
            "train_generators": round(sum(train_seconds.values()), 2),
            **train_seconds,
        },
    }
