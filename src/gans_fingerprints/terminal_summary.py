"""The answer at the end of a run: each method's main figure, the paper's beside it, and where the files are.

A ``kedro run`` whose pipelines wrote method summaries (``<method>_summary``) ends with one table on
the terminal: subtask 1 with test kappa and AUC and their 95% intervals (cross-validated figures when
the test split has no ground truth), subtask 2 with accuracy and its interval, each beside the paper's figure where the
paper reports one (Tables 3 and 5), and any warning the row carries (a null control off chance, a
network near chance). Then the paths of the results table and of the run files this run wrote.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from gans_fingerprints.evaluation.paper import paper_headline
from gans_fingerprints.evaluation.summary import SUMMARY_SUFFIX, format_interval, is_extension, row_warning
from gans_fingerprints.run_record import latest_saved

logger = logging.getLogger(__name__)

def summary_rows(summaries: Iterable[pd.DataFrame]) -> list[dict[str, Any]]:
    """One display row per method: its figures as text, the paper's figure and any warning."""
    rows = []
    for table in summaries:
        for _, row in table.iterrows():
            subtask = int(row["subtask"])
            tested = isinstance(row.get("main_metric"), str) and row["main_metric"].startswith("test")
            prefix = "test" if tested else "validation"
            if subtask == 1:
                figure = f"κ {format_interval(row, f'{prefix}_kappa')}   AUC {format_interval(row, f'{prefix}_auc')}"
            else:
                shown = format_interval(row, f"{prefix}_accuracy")
                if shown == "—" and not pd.isna(row["main_value"]):
                    shown = f"{row['main_value']:.2f}"
                figure = f"accuracy {shown}"
            note = row_warning(row)
            paper = "" if is_extension(row) else paper_headline(subtask, str(row["method"]))  # not the paper's setting
            rows.append({"subtask": str(subtask), "method": str(row["method"]), "on": "test" if tested else "validation",
                         "figure": figure, "paper": paper, "note": note,
                         "sort": -float(row["main_value"]) if not pd.isna(row["main_value"]) else math.inf})
    return sorted(rows, key=lambda r: (r["subtask"], r["sort"]))


def render(rows: list[dict[str, Any]], paths: dict[str, list[str]], console: Console) -> None:
    """The table (one line per method), then the files: a versioned file as its folder and version."""
    table = Table(title="Results of this run (test figures where there is ground truth; 95% intervals)")
    for column in ("subtask", "method", "on", "figure", "paper", "note"):
        table.add_column(column, style="bold red" if column == "note" else None, no_wrap=True)
    for row in rows:
        table.add_row(*(row[c] for c in ("subtask", "method", "on", "figure", "paper", "note")))
    console.print(table)
    for label, files in paths.items():
        if len(files) == 1:
            console.print(f"{label}: {files[0]}", soft_wrap=True)
        elif files:  # <layer>/<name>/<version>/<name>: one line with the layer, the version and the names
            layers = sorted({str(Path(f).parents[2]) for f in files})
            console.print(f"{label} ({len(files)}, version {Path(files[0]).parent.name}) in {', '.join(layers)}: "
                          + ", ".join(Path(f).name for f in files), soft_wrap=True)


def _saved_path(catalog: Any, name: str) -> str | None:
    """Where the run saved dataset ``name`` (the newest version of a versioned dataset)."""
    try:
        saved = latest_saved(catalog.get(name) if hasattr(catalog, "get") else catalog._get_dataset(name))  # noqa: SLF001
    except Exception:  # noqa: BLE001 - a path we cannot show is left out, never a failed run
        return None
    return str(saved) if saved is not None else None


def _is_run_file(name: str) -> bool:
    """``subtask1_<method>_run_file``, ``subtask2_siamese_run_file``, ``subtask2_features.<backbone>.run_file_<classifier>``
    (not the ``*_run_file_check`` reports)."""
    return re.search(r"(^|_)run_file(_(?!check)|$)", name.rsplit(".", 1)[-1]) is not None


def output_paths(pipeline_outputs: Iterable[str], catalog: Any) -> dict[str, list[str]]:
    """Where this run saved its results table and run files (the newest version of each)."""
    outputs = sorted(pipeline_outputs)
    return {"results table": [p for p in [_saved_path(catalog, "results_table")] if p] if "results_table" in outputs else [],
            "run files": [p for n in outputs if _is_run_file(n) for p in [_saved_path(catalog, n)] if p]}


def print_run_summary(pipeline_outputs: Iterable[str], catalog: Any, console: Console | None = None,
                      extra_lines: Iterable[str] = ()) -> bool:
    """The table of the summaries this run wrote, if any, then ``extra_lines`` (the report's path, the
    MLflow run); returns whether it printed a table."""
    outputs = sorted(pipeline_outputs)
    names = [n for n in outputs if n.endswith(SUMMARY_SUFFIX) and n != "benchmark_summary"]
    summaries = []
    for name in names:
        try:  # the dataset itself, not catalog.load: no INFO line above the table
            table = catalog.get(name).load()
        except Exception:  # noqa: BLE001 - a summary this run did not write (a filtered run) is left out
            continue
        if isinstance(table, pd.DataFrame) and not table.empty:
            summaries.append(table)
    if console is None:  # a log file or a pipe gets the whole table, not 80 columns of wrapped cells
        console = Console() if Console().is_terminal else Console(width=150)
    if summaries:
        render(summary_rows(summaries), output_paths(outputs, catalog), console)
    for line in extra_lines:
        console.print(line, soft_wrap=True)
    return bool(summaries)
