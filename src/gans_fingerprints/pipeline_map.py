"""A readable map of the project's pipelines, drawn from the registry itself (for the README).

An arrow joins two pipelines when datasets one writes are read by the other; the benchmark
reaches ingestion through the raw data root (files, not a catalog dataset), drawn dashed.
Usage: ``uv run python -m gans_fingerprints.pipeline_map notebooks/images/pipeline_map.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

POSITIONS = {
    "benchmark": (0.0, 2.0),
    "ingestion": (1.0, 2.0),
    "subtask1_siamese": (2.0, 3.5),
    "subtask1_membership": (2.0, 2.7),
    "subtask2_siamese": (2.0, 1.3),
    "subtask2_features": (2.0, 0.5),
    "subtask1_comparison": (3.0, 3.1),
    "reporting": (4.0, 2.0),
}


def pipeline_edges(pipelines: dict) -> dict[tuple[str, str], list[str]]:
    """(writer, reader) → datasets the writer outputs and the reader takes as free inputs."""
    edges = {}
    for writer, written in pipelines.items():
        for reader, read in pipelines.items():
            if writer != reader:
                shared = sorted(written.all_outputs() & read.inputs())
                if shared:
                    edges[(writer, reader)] = shared
    return edges


def draw_map(pipelines: dict) -> Figure:
    figure, axis = plt.subplots(figsize=(13, 6))
    gap = 0.2  # half a box's width, in axis units
    for (writer, reader), datasets in pipeline_edges(pipelines).items():
        (x0, y0), (x1, y1) = POSITIONS[writer], POSITIONS[reader]
        axis.annotate("", (x1 - gap, y1), (x0 + gap, y0), arrowprops={"arrowstyle": "->", "color": "grey", "lw": 1.2})
        label = f"{len(datasets)} dataset{'s' if len(datasets) > 1 else ''}"
        t = 0.6
        axis.text(x0 + gap + t * (x1 - x0 - 2 * gap), y0 + t * (y1 - y0) + 0.06, label, fontsize=7, ha="center", color="dimgrey")
    (bx, by), (ix, iy) = POSITIONS["benchmark"], POSITIONS["ingestion"]
    axis.annotate("", (ix - gap, iy), (bx + gap, by), arrowprops={"arrowstyle": "->", "linestyle": "--", "color": "grey"})
    axis.text((bx + ix) / 2, by + 0.08, "raw data root (files)", fontsize=7, ha="center", color="dimgrey")
    for name, (x, y) in POSITIONS.items():
        nodes = len(pipelines[name].nodes)
        axis.text(x, y, f"{name}\n{nodes} node{'s' if nodes > 1 else ''}", ha="center", va="center", fontsize=9,
                  bbox={"boxstyle": "round,pad=0.5", "facecolor": "#fff4cc" if name != "benchmark" else "#e6f0ff"})
    axis.set(xlim=(-0.5, 4.5), ylim=(0.1, 3.9), title="gans_fingerprints pipelines (kedro run runs all but benchmark)")
    axis.axis("off")
    figure.tight_layout()
    return figure


def main(argv: list[str] | None = None) -> None:
    from kedro.framework.project import pipelines  # noqa: PLC0415 - the command line needs the project, drawing does not
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    bootstrap_project(Path.cwd())
    registered = {name: pipelines[name] for name in POSITIONS}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    draw_map(registered).savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
