"""What the HTML report of one run shows, assembled from what the run wrote: the glue between the catalog and
:func:`gans_fingerprints.html_report.render_report` (the ``RunReporting`` hook calls it when a run ends)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.summary import SUMMARY_SUFFIX
from gans_fingerprints.html_report import ReportFigure, ReportInputs
from gans_fingerprints.run_record import RunRecord, latest_saved, saved_figures, saved_version, seconds_per_pipeline

logger = logging.getLogger(__name__)

BENCHMARK_PIPELINE = "benchmark"
BENCHMARK_SUMMARY = "benchmark_summary"


def _load(catalog: Any, name: str) -> Any:
    """The dataset's newest saved version, or None when there is none (or it cannot be read)."""
    try:  # the dataset itself, not catalog.load: no INFO line per dataset after the run
        return catalog.get(name).load() if catalog.exists(name) else None
    except Exception:
        logger.warning("The report leaves out %s: it could not be read.", name, exc_info=True)
        return None


def report_summaries(pipeline: Any, catalog: Any) -> pd.DataFrame:
    """The method summaries this run's pipelines write or read, of the current ingestion, ordered as the results table."""
    from gans_fingerprints.pipelines.reporting.nodes import ordered_summaries  # noqa: PLC0415

    names = [n for n in sorted(pipeline.datasets()) if n.endswith(SUMMARY_SUFFIX) and n != BENCHMARK_SUMMARY]
    summaries = {name: _load(catalog, name) for name in names}
    try:
        return ordered_summaries(summaries, _load(catalog, "ingestion_commit") or {})
    except UserInputError:
        return pd.DataFrame(columns=["subtask", "method"])


def _figure_datasets(names, catalog: Any):
    for name in sorted(names):
        try:
            dataset = catalog.get(name)
        except Exception:  # noqa: BLE001 - not a catalog entry of this environment
            continue
        if type(dataset).__name__ == "MatplotlibDataset":
            yield name, dataset


def benchmark_describes_the_data(pipeline: Any, catalog: Any) -> bool:
    """True when this run built the benchmark, or the data this run's methods read are the benchmark's release
    (its folder is the last ingestion's root): a report on other data shows no benchmark."""
    if BENCHMARK_SUMMARY in pipeline.all_outputs():
        return True
    benchmark, commit = _load(catalog, BENCHMARK_SUMMARY), _load(catalog, "ingestion_commit")
    if not benchmark or not commit or not benchmark.get("root") or not commit.get("root"):
        return False
    return Path(str(benchmark["root"])).resolve() == Path(str(commit["root"])).resolve()


def report_figures(record: RunRecord, pipeline: Any, catalog: Any, earlier: set[str]) -> list[ReportFigure]:
    """This run's figures (from memory, or from the files this run saved when its nodes ran elsewhere, on Dask
    workers), and the newest saved figures among ``earlier`` (the benchmark's outputs, when the benchmark
    describes this run's data: ``make demo`` builds it in a run of its own), each marked with its version."""
    figures = [ReportFigure(key, png) for key, png in record.figures.items()]
    drawn = {key.split("/")[0] for key in record.figures}
    for name, dataset in _figure_datasets((set(pipeline.all_outputs()) | earlier) - drawn, catalog):
        version, pngs = saved_figures(name, dataset)
        this_run = bool(version) and version == getattr(getattr(dataset, "_version", None), "save", None)
        if not this_run and name not in earlier:
            continue  # a figure node of this run that did not run (the run failed first): its file is older
        source = "this run" if this_run else f"saved {version}" if version else "saved earlier"
        figures.extend(ReportFigure(key, png, source) for key, png in pngs.items())
    return figures


def report_inputs(record: RunRecord, pipeline: Any, catalog: Any) -> ReportInputs | None:
    """What the run's report page shows (its figures also go to MLflow), or None when the run wrote no method
    summary and built no benchmark."""
    from kedro.framework.project import pipelines as registered  # noqa: PLC0415

    from gans_fingerprints.pipelines.reporting.nodes import data_description  # noqa: PLC0415
    from gans_fingerprints.terminal_summary import output_paths  # noqa: PLC0415

    summaries = report_summaries(pipeline, catalog)
    built_benchmark = BENCHMARK_SUMMARY in pipeline.all_outputs()
    if summaries.empty and not built_benchmark:
        return None
    registered = dict(registered)
    ingestion = _load(catalog, "ingestion_report") if not summaries.empty else None
    descriptions = {}
    for subtask in (1, 2):
        try:
            descriptions[f"subtask {subtask}"] = data_description(ingestion, f"subtask{subtask}")
        except (KeyError, TypeError):
            continue
    benchmark = registered.get(BENCHMARK_PIPELINE)
    relevant = benchmark is not None and benchmark_describes_the_data(pipeline, catalog)
    return ReportInputs(
        record, summaries, report_figures(record, pipeline, catalog, set(benchmark.all_outputs()) if relevant else set()),
        benchmark=_load(catalog, BENCHMARK_SUMMARY) if relevant else None,
        benchmark_version=saved_version(latest_saved(catalog.get(BENCHMARK_SUMMARY))) if relevant else "",
        pipeline_seconds=seconds_per_pipeline(record.node_seconds, registered), data_descriptions=descriptions,
        files=output_paths(pipeline.all_outputs(), catalog),
    )
