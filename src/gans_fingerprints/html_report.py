"""One self-contained HTML page per run: the results laid out as the paper's Tables 3-5 with the paper's
numbers beside ours, the benchmark's quality, every figure embedded, and the run's settings and provenance.

Pure rendering: :func:`render_report` takes tables, figures (PNG bytes) and a :class:`RunRecord` and
returns the page; it opens offline (no script, no external file).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from gans_fingerprints.evaluation.paper import TABLE3, TABLE4, TABLE5
from gans_fingerprints.evaluation.summary import format_interval, format_number, is_extension, row_warning
from gans_fingerprints.run_record import RunRecord

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1400px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}h3{margin-top:1.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.82em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td{white-space:nowrap}
td.name,th.name{text-align:left}td.text{white-space:normal;text-align:left;min-width:12em;max-width:15em;font-size:.9em}
tr.paper td{color:#555;background:#fafaf0;font-style:italic}
.warn{color:#b00;font-weight:bold}.box{border-left:4px solid #b00;background:#fff4f4;padding:.5em 1em;margin:1em 0}
.ok{border-left:4px solid #2a2;background:#f4fff4;padding:.5em 1em;margin:1em 0}
figure{display:inline-block;margin:.5em;vertical-align:top;max-width:100%}figure img{max-width:min(100%,580px);border:1px solid #eee}
figcaption{font-size:.8em;color:#555}pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.8em}
.meta td,.meta th{text-align:left}.meta td.text{max-width:none}.scroll{overflow-x:auto}.small{font-size:.85em;color:#555}
"""


@dataclass(frozen=True)
class ReportFigure:
    """A figure to embed: its dataset key, its PNG and where it comes from (this run, or a saved version)."""

    key: str
    png: bytes
    source: str = "this run"


LONG_TEXT = 40
"""A cell of prose longer than this many characters wraps, left-aligned (figures, paths and hashes stay on one line)."""


def _cell(index: int, value: Any, first_is_name: bool) -> str:
    text = str(value)
    prose = len(text) > LONG_TEXT and " " in text  # a path or a hash stays on one line
    css = "name" if index == 0 and first_is_name else "text" if prose else ""
    return f'<td class="{css}">{html.escape(text)}</td>' if css else f"<td>{html.escape(text)}</td>"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], classes: Sequence[str] = (), first_is_name: bool = True,
           css: str = "") -> str:
    """An HTML table; cells are escaped here; ``classes`` gives each row a CSS class, ``css`` the table."""
    head = "".join(f'<th class="name">{html.escape(h)}</th>' if i == 0 and first_is_name else f"<th>{html.escape(h)}</th>"
                   for i, h in enumerate(header))
    body = []
    for index, row in enumerate(rows):
        row_class = f' class="{classes[index]}"' if index < len(classes) and classes[index] else ""
        body.append(f"<tr{row_class}>{''.join(_cell(i, c, first_is_name) for i, c in enumerate(row))}</tr>")
    table_class = f" class='{css}'" if css else ""
    return f"<div class='scroll'><table{table_class}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def subtask1_section(rows: pd.DataFrame) -> str:
    """Table 3's layout (kappa, accuracy, precision, recall, F1), with AUC, TPR at low FPR, intervals, the
    cross-validated estimate and the null control; the paper's run 1696 as the last row."""
    header = ["method", "test κ [95%]", "test AUC [95%]", "accuracy", "precision", "recall", "F1", "TPR@1%FPR", "TPR@10%FPR",
              "cross-validated on training reals", "null control AUC [95%], p", "note"]
    body, classes = [], []
    for _, row in rows.iterrows():
        control = format_interval(row, "control_auc")
        if control != "—":
            control += f", p={format_number(row.get('control_p_value'), 2)}"
        body.append([row["method"], format_interval(row, "test_kappa"), format_interval(row, "test_auc"),
                     *(format_number(row.get(f"test_{metric}")) for metric in ("accuracy", "precision", "recall", "f1")),
                     *(format_number(row.get(f"test_tpr_at_{fpr}_fpr"), 2) for fpr in (1, 10)),
                     str(row.get("validation") or ""), control, row_warning(row)])
        classes.append("warn" if row_warning(row) else "")
    paper = TABLE3["siamese"]
    body.append(["paper, Table 3 (run 1696, Siamese)", format_number(paper["kappa"], 4), "—", format_number(paper["accuracy"], 4),
                 format_number(paper["precision"], 4), format_number(paper["recall"], 4), format_number(paper["f1"], 4), "—", "—",
                 "none reported", "none reported", ""])
    classes.append("paper")
    # A column no method has a figure in (TPR at 1% FPR needs 100 non-members) is left out, and said so.
    empty = [i for i in range(1, len(header) - 1) if all(row[i] == "—" for row in body[:-1])]
    note = (f"<p class='small'>Not measured on these data, so not shown: {', '.join(header[i] for i in empty)} "
            "(TPR at 1% FPR needs at least 100 non-members).</p>" if empty else "")
    header = [cell for i, cell in enumerate(header) if i not in empty]
    body = [[cell for i, cell in enumerate(row) if i not in empty] for row in body]
    return ("<h2>Subtask 1: detect training-data usage (the paper's Table 3)</h2>" + _table(header, body, classes) + note)


EXTENSION = "extension: beyond the paper"


def _reproduces(row: pd.Series) -> str:
    """The paper's table a row reproduces (``Tables 4-5``), or :data:`EXTENSION` (its figures are then not the
    paper's to compare with, though the method's name may be)."""
    return EXTENSION if is_extension(row) else str(row["table"])


def subtask2_sections(rows: pd.DataFrame) -> str:
    """Table 4's layout (validation accuracy per feature extractor and classifier) and Table 5's (test
    accuracy, weighted precision, recall, F1, specificity), each with the paper's figures beside ours."""
    validation_rows = []
    for _, row in rows.iterrows():
        paper = None if is_extension(row) else TABLE4.get(row["method"])
        validation_rows.append([row["method"], _reproduces(row), format_interval(row, "validation_accuracy"),
                                format_number(paper, 4) if paper is not None else "—", row_warning(row)])
    table4 = _table(["method", "reproduces", "validation accuracy [95%]", "paper (Table 4)", "note"], validation_rows,
                    ["warn" if r[-1] else "" for r in validation_rows])
    test_rows, classes = [], []
    for _, row in rows.iterrows():
        test_rows.append([row["method"], _reproduces(row), format_interval(row, "test_accuracy"),
                          *(format_number(row.get(f"test_{metric}")) for metric in ("precision", "recall", "f1", "specificity")),
                          row_warning(row)])
        classes.append("warn" if row_warning(row) else "")
        paper = None if is_extension(row) else TABLE5.get(row["method"])
        if paper is not None:
            figures = (format_number(paper[metric], 4) for metric in ("accuracy", "precision", "recall", "f1", "specificity"))
            test_rows.append([f"paper, Table 5: {row['method']}", "", *figures, ""])
            classes.append("paper")
    table5 = _table(["method", "reproduces", "test accuracy [95%]", "precision", "recall", "F1", "specificity", "note"], test_rows,
                    classes)
    return ("<h2>Subtask 2: identify training-data subsets</h2>"
            "<h3>Validation on held-out training images (the paper's Table 4)</h3>" + table4
            + "<h3>Test (the paper's Table 5)</h3>" + table5)


def warnings_section(rows: pd.DataFrame) -> str:
    """Every row whose figures must not be trusted, on top of the page; or a line saying there is none."""
    flagged = [(row["method"], row_warning(row), str(row.get("validation", ""))) for _, row in rows.iterrows() if row_warning(row)]
    subtask1 = rows[rows["subtask"] == 1]
    at_chance = [row["method"] for _, row in subtask1.iterrows()
                 if not pd.isna(row.get("test_kappa_low")) and row["test_kappa_low"] <= 0 <= row["test_kappa_high"]]
    lines = [f"<li><b>{html.escape(m)}</b>: <span class='warn'>{w}</span> ({html.escape(v)})</li>" for m, w, v in flagged]
    if len(at_chance) == len(subtask1) and len(subtask1):
        lines.append("<li><span class='warn'>Every subtask-1 method's test kappa interval includes 0 (chance)</span>: "
                     "no method shows membership on these data.</li>")
    elif at_chance:
        lines.append(f"<li>Test kappa interval includes 0 (chance) for: {html.escape(', '.join(at_chance))}.</li>")
    if not lines:
        return "<div class='ok'>No method is flagged (null controls at chance, no network near chance).</div>"
    return "<div class='box'><b>Read these first</b><ul>" + "".join(lines) + "</ul></div>"


QUALITY_COLUMNS = {
    "generator": "generator", "family": "family", "precision": "precision", "recall": "recall",
    "floor_precision": "floor P", "floor_recall": "floor R", "feature_precision": "feature P", "feature_recall": "feature R",
    "feature_floor_precision": "feature floor P", "feature_floor_recall": "feature floor R", "near_copy_share": "near copies",
    "membership_auc": "member AUC", "spectral_distance": "spectral distance",
}


def benchmark_section(benchmark: Mapping[str, Any] | None, version: str) -> str:
    """The benchmark's settings and each generator's quality (improved precision/recall with the real-vs-real
    floor, near-copy share, member AUC, spectral distance)."""
    if not benchmark:
        return ""
    settings = benchmark.get("settings", {})
    families = {k: v.get("family") for k, v in settings.get("generators", {}).items()}
    text = (f"<p class='small'>Built {html.escape(version or '?')} into {html.escape(str(benchmark.get('root', '?')))}: profile "
            f"<b>{html.escape(str(settings.get('profile', '?')))}</b>, seed {html.escape(str(settings.get('seed', '?')))}, "
            f"cohort shift {html.escape(str(settings.get('cohort_shift', '?')))}, "
            f"{html.escape(str(settings.get('image_size', '?')))} px, generator families {html.escape(str(families))}. "
            "Precision and recall: improved P/R (k = 3) against each generator's own "
            "training reals; the floor is two halves of the same real population.</p>")
    quality = benchmark.get("quality") or []
    rows = [[format_number(q.get(c), 2) if isinstance(q.get(c), float) else str(q.get(c, "—")) for c in QUALITY_COLUMNS] for q in quality]
    return "<h2>Benchmark generators</h2>" + text + (_table(list(QUALITY_COLUMNS.values()), rows) if rows else "")


def figures_section(title: str, figures: Sequence[ReportFigure]) -> str:
    if not figures:
        return ""
    items = []
    for figure in figures:
        data = base64.b64encode(figure.png).decode("ascii")
        items.append(f"<figure><img alt='{html.escape(figure.key)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{html.escape(figure.key)} ({html.escape(figure.source)})</figcaption></figure>")
    return f"<h3>{html.escape(title)}</h3>" + "".join(items)


FIGURE_GROUPS = (("Summary", ("results_figure", "key_figures")), ("Subtask 1", ("subtask1",)), ("Subtask 2", ("subtask2",)),
                 ("Benchmark", ("benchmark",)))


def group_figures(figures: Sequence[ReportFigure]) -> dict[str, list[ReportFigure]]:
    """Figures by section (by the dataset name's prefix); anything else under 'Other'."""
    groups: dict[str, list[ReportFigure]] = {title: [] for title, _ in FIGURE_GROUPS}
    groups["Other"] = []
    for figure in sorted(figures, key=lambda f: f.key):
        title = next((t for t, prefixes in FIGURE_GROUPS if figure.key.startswith(prefixes)), "Other")
        groups[title].append(figure)
    return groups


def provenance_section(record: RunRecord, pipeline_seconds: Mapping[str, float], data_descriptions: Mapping[str, str],
                       files: Mapping[str, Sequence[str]]) -> str:
    meta = [["started (UTC)", record.started.strftime("%Y-%m-%d %H:%M:%S")], ["seconds", f"{record.seconds:.0f}"],
            ["configuration environment", record.env], ["pipelines", ", ".join(record.pipelines) or "__default__"],
            ["git commit", record.commit], ["device", record.device],
            *([f"data, {k}", v] for k, v in data_descriptions.items())]
    seconds = [[name, f"{value:.1f}"] for name, value in pipeline_seconds.items()] or [
        ["not measured", "nodes ran in other processes (Dask workers): see the log's 'Completed node' lines"]]
    hashes = [[name, digest] for name, digest in sorted(record.data_hashes.items())]
    listed = [[label, path] for label, paths in files.items() for path in paths]
    parameters = yaml.safe_dump(record.parameters, sort_keys=True, default_flow_style=False)
    return ("<h2>Settings and provenance</h2>" + _table(["setting", "value"], meta, css="meta")
            + "<h3>Seconds per pipeline (this run)</h3>" + _table(["pipeline", "seconds"], seconds)
            + ("<h3>Files</h3>" + _table(["file", "path"], listed, css="meta") if listed else "")
            + "<h3>Data hashes (SHA-256 of content)</h3>"
            + (_table(["dataset", "sha256"], hashes, css="meta") if hashes else
               "<p class='small'>Not measured: the nodes that read the data ran in other processes (Dask workers).</p>")
            + "<details><summary>Parameters</summary><pre>" + html.escape(parameters) + "</pre></details>")


@dataclass(frozen=True)
class ReportInputs:
    """Everything one page shows. ``files``: label → paths (results table, run files)."""

    record: RunRecord
    summaries: pd.DataFrame
    figures: Sequence[ReportFigure] = ()
    benchmark: Mapping[str, Any] | None = None
    benchmark_version: str = ""
    pipeline_seconds: Mapping[str, float] = field(default_factory=dict)
    data_descriptions: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, Sequence[str]] = field(default_factory=dict)


def render_report(inputs: ReportInputs) -> str:
    """The whole page: warnings, both subtasks' tables, the benchmark, the figures, then provenance."""
    record, summaries = inputs.record, inputs.summaries
    subtask1 = summaries[summaries["subtask"] == 1]
    subtask2 = summaries[summaries["subtask"] == 2]
    body = [f"<h1>gans_fingerprints: run of {record.started:%Y-%m-%d %H:%M} UTC</h1>",
            f"<p class='small'>Pipelines {html.escape(', '.join(record.pipelines) or '__default__')}; environment "
            f"{html.escape(record.env)}; commit {html.escape(record.commit)}. Intervals are 95% (bootstrap for subtask 1, "
            "Wilson for accuracy). Rows in italics are the paper's published figures (AI Multimedia Lab, ImageCLEFmedical "
            "GANs 2025), measured on the task's data, not on these.</p>"]
    if record.status != "completed":
        body.append(f"<div class='box'><b>This run did not finish</b> ({html.escape(record.status)}): the page shows what it "
                    "made before it stopped.</div>")
    if not summaries.empty:
        body.append(warnings_section(summaries))
    if not subtask1.empty:
        body.append(subtask1_section(subtask1))
    if not subtask2.empty:
        body.append(subtask2_sections(subtask2))
    body.append(benchmark_section(inputs.benchmark, inputs.benchmark_version))
    groups = group_figures(inputs.figures)
    if any(groups.values()):
        body.append("<h2>Figures</h2>" + "".join(figures_section(title, items) for title, items in groups.items()))
    body.append(provenance_section(record, inputs.pipeline_seconds, inputs.data_descriptions, inputs.files))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>gans_fingerprints report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>")
