"""One comparison of every subtask-2 method, at both cohort shifts and on a small release, with 95% intervals; and the open-set check.

For each benchmark profile (``demo``: cohort_shift 0.5, where the subsets' real cohorts differ;
``demo_shift0``: cohort_shift 0, one population, so only what each generator learned links gen_tK to tK),
the script builds the benchmark from its generator weights in a scratch project, runs ingestion and every
subtask-2 pipeline there (``--env demo``), and reads each method's test accuracy with its 95% Wilson interval
and whether its row reproduces the paper (Tables 4-5) or extends it. The ``sample`` profile is a small release
none of the methods was tuned on: ``gans_fingerprints.sample_release`` with ``--sample-per-folder`` images per
folder (60) at 64 px, where every subset's "generator" leaves the same trace and only near copies of its own
reals link it to its subset. With ``--open-set N`` it then builds the
same profile with N images of a generator no subset trained added to the test folder (``benchmark.open_set_images``)
and runs the two methods that can say ``unknown`` (``subtask2_siamese``, ``subtask2_fingerprint``) with
``open_set.enabled``: the share of those outsiders flagged, and the accuracy on the other test images.

It prints the tables and writes ``subtask2_comparison.csv``, ``subtask2_open_set.csv`` and
``subtask2_comparison.png`` into a new timestamped folder under ``--out`` (an earlier run is never overwritten).
A profile without weights under ``data/06_models/benchmark_weights/<profile>`` stops the script before any work,
naming the command that makes them.

Usage: ``uv run python benchmarks/subtask2_comparison.py [--profiles demo demo_shift0 sample] [--open-set 80] [--out DIR]``;
``--replot DIR/subtask2_comparison.csv`` draws the figure of an earlier run again, into a new file beside it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script, never a notebook
import matplotlib.pyplot as plt
import pandas as pd

from gans_fingerprints.evaluation.paper import TABLE5
from gans_fingerprints.sample_release import write_sample_release
from gans_fingerprints.scratch_project import REPO_ROOT, make_scratch_project

sys.path.insert(0, str(Path(__file__).parent))
from scratch_runs import kedro_run, new_output_folder, replot, require_weights

PROFILES = ["demo", "demo_shift0", "sample"]
SAMPLE = "sample"
DATASETS = {"demo": "demo, cohort shift 0.5", "demo_shift0": "demo, cohort shift 0", SAMPLE: "sample release"}
METHODS = ("subtask2_siamese", "subtask2_features", "subtask2_fingerprint")
OPEN_SET_METHODS = ("subtask2_siamese", "subtask2_fingerprint")
COLUMNS = ["method", "table", "test_accuracy", "test_accuracy_low", "test_accuracy_high", "validation_accuracy",
           "test_known_accuracy", "test_unknown_recall", "settings"]


def _summaries(project: Path, methods: tuple[str, ...]) -> pd.DataFrame:
    folder = project / "data" / "08_reporting" / "summaries"
    tables = [pd.read_csv(sorted(folder.glob(f"{m}_summary.csv/*/{m}_summary.csv"))[-1]) for m in methods]
    table = pd.concat(tables, ignore_index=True)
    return table[[c for c in COLUMNS if c in table]]


def measure(profile: str, open_set: int, sample_per_folder: int) -> tuple[pd.DataFrame, pd.DataFrame | None, float]:
    """One profile: every subtask-2 method's test row; with ``open_set`` (not for the sample release, which has no
    outsider generator), the open-set methods' rows on the test folder with that many outsider images."""
    with tempfile.TemporaryDirectory(prefix=f"subtask2_{profile}_") as tmp:
        work = Path(tmp)
        project = make_scratch_project(work / "project", shipped_weights=True)
        raw = f"raw_data_root={work / 'raw'}"
        start = time.perf_counter()
        if profile == SAMPLE:
            write_sample_release(work / "raw", image_size=64, per_folder=sample_per_folder, seed=0)
        else:
            kedro_run(project, "benchmark", f"{raw},benchmark.profile={profile}")
        kedro_run(project, ",".join(("ingestion", *METHODS)), raw)
        closed = _summaries(project, METHODS).assign(profile=profile, dataset=DATASETS.get(profile, profile))
        checked = None
        if open_set and profile != SAMPLE:
            kedro_run(project, "benchmark", f"{raw},benchmark.profile={profile},benchmark.open_set_images={open_set}")
            enabled = ",".join(f"{m}.open_set.enabled=true" for m in OPEN_SET_METHODS)
            kedro_run(project, ",".join(("ingestion", *OPEN_SET_METHODS)), f"{raw},{enabled}")
            checked = _summaries(project, OPEN_SET_METHODS).assign(profile=profile, outsiders=open_set)
        seconds = time.perf_counter() - start
    return closed, checked, seconds


def plot(comparison: pd.DataFrame) -> plt.Figure:
    """Test accuracy of every method on each dataset, its 95% interval drawn; reproduction rows marked, with
    the paper's own test figure (Table 5, on the real task) where it has one."""
    if "dataset" not in comparison:  # a run before the sample release joined: the datasets were the two shifts
        comparison = comparison.assign(dataset=[f"demo, cohort shift {shift:g}" for shift in comparison["cohort_shift"]])
    methods = list(dict.fromkeys(comparison["method"]))
    figure, axis = plt.subplots(figsize=(8.5, 0.42 * len(methods) + 1.6))
    groups = list(comparison.groupby("dataset", sort=False))
    styles = [("o", "tab:blue"), ("s", "tab:orange"), ("^", "tab:green"), ("D", "tab:red")]
    for index, (dataset, group) in enumerate(groups):
        offset = 0.3 * (index - (len(groups) - 1) / 2) / max(1, len(groups) - 1)
        marker, colour = styles[index % len(styles)]
        rows = group.set_index("method").reindex(methods)
        y = [i + offset for i in range(len(methods))]
        errors = [rows["test_accuracy"] - rows["test_accuracy_low"], rows["test_accuracy_high"] - rows["test_accuracy"]]
        axis.errorbar(rows["test_accuracy"], y, xerr=errors, fmt=marker, color=colour, capsize=3, label=dataset)
    tables = comparison.drop_duplicates("method").set_index("method")["table"]
    paper = [(i, TABLE5[m]["accuracy"]) for i, m in enumerate(methods) if tables[m] != "extension" and m in TABLE5]
    if paper:
        axis.plot([a for _, a in paper], [i for i, _ in paper], "x", color="black", markersize=8,
                  label="the paper (Table 5, the real task)")
    axis.set_yticks(range(len(methods)), [f"{m}  [{'paper' if tables[m] != 'extension' else 'ext.'}]" for m in methods], fontsize=8)
    axis.invert_yaxis()
    axis.axvline(0.2, color="grey", linestyle=":", linewidth=1, label="chance (5 subsets)")
    axis.set(xlim=(0, 1.02), xlabel="test accuracy (95% Wilson interval)")
    axis.set_title("Subtask 2: every method on three datasets", fontsize=10)
    axis.legend(loc="lower left", fontsize=8)
    axis.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--open-set", type=int, default=80, help="outsider images for the open-set check (0: skip it)")
    parser.add_argument("--sample-per-folder", type=int, default=60, help="images per folder of the sample release")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "08_reporting" / "subtask2_comparison")
    parser.add_argument("--replot", type=Path, help="draw the figure again from an earlier run's subtask2_comparison.csv, beside it")
    args = parser.parse_args()
    if args.replot:
        replot(args.replot, plot)
        return
    require_weights([p for p in args.profiles if p != SAMPLE], "about 20 min each on 2 CPU cores")
    closed, checks = [], []
    for profile in args.profiles:
        table, checked, seconds = measure(profile, args.open_set, args.sample_per_folder)
        closed.append(table)
        if checked is not None:
            checks.append(checked)
        print(f"{profile}: {seconds:.0f} s", flush=True)
    comparison = pd.concat(closed, ignore_index=True)
    out = new_output_folder(args.out)
    comparison.to_csv(out / "subtask2_comparison.csv", index=False)
    plot(comparison).savefig(out / "subtask2_comparison.png", dpi=110)
    shown = comparison.assign(accuracy=[f"{a:.3f} [{lo:.2f}, {hi:.2f}]" for a, lo, hi in
                                        comparison[["test_accuracy", "test_accuracy_low", "test_accuracy_high"]].to_numpy()])
    print("\ntest accuracy [95% Wilson interval] by dataset")
    print(shown.pivot_table(index=["method", "table"], columns="dataset", values="accuracy", aggfunc="first", sort=False).to_string())
    if checks:
        open_set = pd.concat(checks, ignore_index=True)
        open_set.to_csv(out / "subtask2_open_set.csv", index=False)
        print(f"\nopen set ({args.open_set} outsider images in the test folder)")
        print(open_set[["profile", "method", "test_unknown_recall", "test_known_accuracy"]].round(3).to_string(index=False))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
