"""A readable map of the project's pipelines, drawn from the registry itself (for the README).

An arrow joins two pipelines when datasets one writes are read by the other (a transcoded
dataset, ``raw_data_root@release`` written and ``raw_data_root@state`` read, counts as one).
Usage: ``uv run python -m gans_fingerprints.pipeline_map notebooks/images/pipeline_map.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def _untranscoded(names: set[str]) -> set[str]:
    return {name.split("@")[0] for name in names}


def pipeline_edges(pipelines: dict) -> dict[tuple[str, str], list[str]]:
    """(writer, reader) → datasets the writer outputs and the reader takes as free inputs."""
    edges = {}
    for writer, written in pipelines.items():
        for reader, read in pipelines.items():
            if writer != reader:
                shared = sorted(_untranscoded(written.all_outputs()) & _untranscoded(read.inputs()))
                if shared:
                    edges[(writer, reader)] = shared
    return edges


def layout(pipelines: dict) -> dict[str, tuple[float, float]]:
    """A place for every pipeline: its column is its depth in the data flow; in the first column with
    the most pipelines rows are spread evenly, elsewhere each sits at the mean height of what it reads."""
    edges = set(pipeline_edges(pipelines))
    depth = dict.fromkeys(pipelines, 0)
    for _ in pipelines:  # longest path by repeated relaxation (the graph is small and acyclic)
        for writer, reader in edges:
            depth[reader] = max(depth[reader], depth[writer] + 1)
    columns: dict[int, list[str]] = {}
    for name in sorted(pipelines):
        columns.setdefault(depth[name], []).append(name)
    height = max(len(names) for names in columns.values())
    positions: dict[str, tuple[float, float]] = {}
    for column in sorted(columns):
        names = columns[column]
        writers = {name: [positions[w][1] for w, r in edges if r == name and w in positions] for name in names}
        wanted = {name: sum(ys) / len(ys) if ys else (height - 1) / 2 for name, ys in writers.items()}
        if len(names) == height:
            ordered = sorted(names, key=lambda name: -wanted[name])
            positions.update({name: (float(column), float(height - 1 - row)) for row, name in enumerate(ordered)})
            continue
        taken: list[float] = []
        for name in sorted(names, key=lambda name: -wanted[name]):
            y = wanted[name]
            while any(abs(y - other) < 1 for other in taken):  # keep boxes a row apart
                y -= 0.5
            taken.append(y)
            positions[name] = (float(column), y)
    return positions


def draw_map(pipelines: dict) -> Figure:
    positions = layout(pipelines)
    columns = max(x for x, _ in positions.values()) + 1
    low, high = min(y for _, y in positions.values()), max(y for _, y in positions.values())
    rows = high - low + 1
    figure, axis = plt.subplots(figsize=(2.8 * columns, 1.3 * rows + 1.5))
    gap = 0.2  # half a box's width, in axis units
    for (writer, reader), datasets in pipeline_edges(pipelines).items():
        (x0, y0), (x1, y1) = positions[writer], positions[reader]
        axis.annotate("", (x1 - gap, y1), (x0 + gap, y0), arrowprops={"arrowstyle": "->", "color": "grey", "lw": 1.2})
        label = f"{len(datasets)} dataset{'s' if len(datasets) > 1 else ''}"
        t = 0.6
        axis.text(x0 + gap + t * (x1 - x0 - 2 * gap), y0 + t * (y1 - y0) + 0.06, label, fontsize=7, ha="center", color="dimgrey")
    for name, (x, y) in positions.items():
        nodes = len(pipelines[name].nodes)
        axis.text(x, y, f"{name}\n{nodes} node{'s' if nodes > 1 else ''}", ha="center", va="center", fontsize=9,
                  bbox={"boxstyle": "round,pad=0.5", "facecolor": "#fff4cc" if name != "benchmark" else "#e6f0ff"})
    title = "gans_fingerprints pipelines (kedro run runs all but benchmark)"
    axis.set(xlim=(-0.5, columns - 0.5), ylim=(low - 0.6, high + 0.6), title=title)
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
    registered = {name: pipeline for name, pipeline in pipelines.items() if name != "__default__"}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    draw_map(registered).savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
