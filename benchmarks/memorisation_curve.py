"""The memorisation curve: every subtask-1 method's test AUC and kappa against how much its generator memorised.

Each benchmark profile is one memorisation level (how many members each subtask-1 generator trained
on: ``demo`` 16, ``demo_members_32`` 32, ``demo_members_64`` 64, ``demo_generalising`` 200 mirrored).
For each, the script builds the benchmark from its generator weights in a scratch project, runs
ingestion and every subtask-1 pipeline there (``--env demo``), and reads the test generator's
measured memorisation (near-copy share, member AUC of the nearest-distance measure: ``benchmark_summary``)
and every method's test AUC and kappa with their 95% bootstrap intervals and its null control
(``subtask1_comparison``). It prints a table and writes ``memorisation_curve.csv`` and
``memorisation_curve.png`` into a new timestamped folder under ``--out`` (an earlier run is never
overwritten).

Weights: a profile without weights under ``data/06_models/benchmark_weights/<profile>`` stops the script
before any work, naming the command that makes them (``make benchmark-weights PROFILE=<profile> REUSE=demo``).

Usage: ``uv run python benchmarks/memorisation_curve.py [--profiles demo demo_members_32 ...] [--out DIR] [--params K=V,...]``;
``--replot DIR/memorisation_curve.csv`` draws the figure of an earlier run again, into a new file beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script, never a notebook
import matplotlib.pyplot as plt
import pandas as pd

from gans_fingerprints.scratch_project import REPO_ROOT, make_scratch_project

sys.path.insert(0, str(Path(__file__).parent))
from scratch_runs import kedro_run, latest_report, new_output_folder, replot, require_weights

PROFILES = ["demo", "demo_members_32", "demo_members_64", "demo_generalising"]
SUBTASK1 = "ingestion,subtask1_membership,subtask1_siamese,subtask1_comparison"
COLUMNS = ["method", "test_kappa", "test_kappa_low", "test_kappa_high", "test_auc", "test_auc_low", "test_auc_high",
           "test_tpr_at_10_fpr", "validation_kappa", "validation_auc", "control_auc", "control_auc_low", "control_auc_high",
           "control_p_value"]


def measure(profile: str, params: str = "") -> tuple[pd.DataFrame, float]:
    """One level: every subtask-1 method's row of ``subtask1_comparison`` with the test generator's memorisation
    (``params``: more ``--params`` of the subtask-1 run, comma-separated)."""
    with tempfile.TemporaryDirectory(prefix=f"curve_{profile}_") as tmp:
        work = Path(tmp)
        project = make_scratch_project(work / "project", shipped_weights=True)
        raw = f"raw_data_root={work / 'raw'}"
        start = time.perf_counter()
        kedro_run(project, "benchmark", f"{raw},benchmark.profile={profile}")
        kedro_run(project, SUBTASK1, ",".join(filter(None, [raw, params])))
        seconds = time.perf_counter() - start
        quality = {row["generator"]: row for row in json.loads(latest_report(project, "benchmark_summary.json").read_text())["quality"]}
        table = pd.read_csv(latest_report(project, "subtask1_comparison.csv"))
    test_generator = quality["subtask1_test"]
    table = table[[c for c in COLUMNS if c in table]].assign(
        profile=profile, members=int(test_generator["n_train"]), near_copy_share=test_generator["near_copy_share"],
        member_auc=test_generator["membership_auc"], params=params or "defaults")
    return table, seconds


def plot(curve: pd.DataFrame) -> plt.Figure:
    """AUC and kappa of every method against the test generator's measured memorisation, intervals drawn.

    The x axis is the member AUC of the build's nearest-distance measure (pixels at 32 px): unlike the
    near-copy share, which is 0 from 32 members on, it keeps falling as the training set grows.
    """
    figure, axes = plt.subplots(1, 2, figsize=(14, 5.6), sharex=True)
    palette = plt.get_cmap("tab20").colors
    for index, (method, unsorted) in enumerate(curve.groupby("method", sort=False)):
        rows = unsorted.sort_values("member_auc")
        style = {"lw": 1.2, "alpha": 0.85, "color": palette[index % len(palette)], "ls": "--" if method.endswith("_features") else "-"}
        if method in ("ensemble", "siamese"):
            style = {"lw": 2.8, "color": "black", "ls": "-" if method == "ensemble" else ":"}
        for axis, metric in zip(axes, ("auc", "kappa"), strict=True):
            value = rows[f"test_{metric}"]
            axis.errorbar(rows["member_auc"], value, yerr=[(value - rows[f"test_{metric}_low"]).clip(lower=0),
                                                           (rows[f"test_{metric}_high"] - value).clip(lower=0)],
                          marker="o", capsize=2, label=method, **style)
    for axis, metric, chance in zip(axes, ("AUC", "kappa"), (0.5, 0.0), strict=True):
        axis.axhline(chance, color="grey", lw=0.8, ls=":")
        axis.set_xlabel("memorisation of the test generator: member AUC of the nearest-distance measure\n"
                        "(members per generator, near-copy share)")
        axis.set_ylabel(f"test {metric} (95% bootstrap interval)")
        axis.grid(alpha=0.3)
    for axis in axes:
        levels = curve.drop_duplicates("profile")
        axis.set_xticks(levels["member_auc"], [f"{a:.2f}\n{m} memb.\ncopies {c:.2f}" for a, m, c in
                                                zip(levels["member_auc"], levels["members"], levels["near_copy_share"], strict=True)],
                        fontsize=7)
    axes[1].legend(fontsize=7, ncol=2, loc="upper left")
    settings = curve["params"].iloc[0] if "params" in curve and curve["params"].iloc[0] != "defaults" else ""
    figure.suptitle("Subtask 1: every method against how much its generator memorised (demo benchmark levels)"
                    + (f"\n{settings}" if settings else ""))
    figure.tight_layout()
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "08_reporting" / "memorisation_curve")
    parser.add_argument("--params", default="", help="more --params of the subtask-1 runs, e.g. "
                        "subtask1_membership.reference_generator.source=trained (comma-separated: no list values)")
    parser.add_argument("--replot", type=Path, help="draw the figure again from an earlier run's memorisation_curve.csv, beside it")
    args = parser.parse_args()
    if args.replot:
        replot(args.replot, plot)
        return
    require_weights(args.profiles, "about 10 min each on 2 CPU cores")
    levels, seconds = [], {}
    for profile in args.profiles:
        table, seconds[profile] = measure(profile, args.params)
        levels.append(table)
        print(f"{profile}: {seconds[profile]:.0f} s", flush=True)
    curve = pd.concat(levels, ignore_index=True)
    out = new_output_folder(args.out)
    curve.to_csv(out / "memorisation_curve.csv", index=False)
    plot(curve).savefig(out / "memorisation_curve.png", dpi=110)
    for metric in ("test_auc", "test_kappa"):
        shown = curve.pivot_table(index="method", columns="members", values=metric, sort=False)
        print(f"\n{metric} by members per subtask-1 generator (member AUC of the nearest distance: "
              + ", ".join(f"{m}: {a:.2f}" for m, a in curve.groupby("members")["member_auc"].first().items()) + ")")
        print(shown.round(2).to_string())
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
