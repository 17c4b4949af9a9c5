"""Project hooks."""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from kedro.framework.hooks import hook_impl
from kedro.io import DatasetError

from gans_fingerprints.errors import UserInputError

logger = logging.getLogger(__name__)


def _catalog_name(error: DatasetError) -> str | None:
    """The dataset name Kedro's catalog puts before its load errors (``name: Failed while ...``)."""
    prefix = str(error).split(":", 1)[0].strip()
    return prefix if prefix and all(c.isalnum() or c in "_.-" for c in prefix) else None


KEDRO_SELECTION_ERRORS = ("Pipeline does not contain nodes with the following namespaces",)
"""Kedro's own messages for a mistyped ``--namespaces``: the user's typo, not a bug."""


def _user_error_in_chain(error: BaseException | None) -> UserInputError | None:
    """The user-input error behind ``error``; a missing input file of a catalog dataset counts as one,
    and so does a namespace that no pipeline has."""
    dataset = None
    saw_dataset_error = False
    while error is not None:
        if isinstance(error, UserInputError):
            return error
        if isinstance(error, ValueError) and str(error).startswith(KEDRO_SELECTION_ERRORS):
            from gans_fingerprints.pipelines.subtask2_features.pipeline import BACKBONE_NAMES  # noqa: PLC0415

            namespaces = ", ".join(f"subtask2_features.{name}" for name in BACKBONE_NAMES)
            return UserInputError(
                f"{' '.join(str(error).split())} among the pipelines run. The namespaces are {namespaces}, "
                "in the subtask2_features pipeline (and the default one)."
            )
        if isinstance(error, DatasetError):
            saw_dataset_error = True
            dataset = dataset or _catalog_name(error)
        if isinstance(error, FileNotFoundError) and saw_dataset_error:
            what = f"the input dataset '{dataset}'" if dataset else "an input dataset"
            return UserInputError(
                f"{what} does not exist yet ({error}). Run the pipeline that makes it first: "
                "`kedro run --pipelines ingestion` for manifests, stacks and splits."
            )
        error = error.__cause__ or error.__context__
    return None


class ConciseUserErrors:
    """Print a :class:`UserInputError` that ends a run as one line, not a traceback through Kedro.

    The node's own failure is already logged by Kedro's runner; every other exception keeps the
    usual (rich) traceback, since that one is a bug worth a full report. It is installed before
    any other hook runs, so errors raised by other hooks read cleanly too.
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:  # noqa: ARG002 - hook signature
        previous = sys.excepthook
        if getattr(previous, "_gans_fingerprints", False):
            return

        def excepthook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
            user_error = _user_error_in_chain(error)
            if user_error is None:
                previous(kind, error, trace)
                return
            print(f"\nerror: {user_error}", file=sys.stderr)

        excepthook._gans_fingerprints = True  # type: ignore[attr-defined]  # noqa: SLF001 - marks the hook as ours
        sys.excepthook = excepthook


LOCK_NAME = ".kedro_run.lock"


class ProjectLock:
    """One pipeline run at a time per project folder: a second one stops with one line.

    Two runs in one folder would write the same intermediate files and checkpoints. The lock is
    an ``flock`` on ``data/.kedro_run.lock``, so it is released whenever its process ends.
    """

    def __init__(self) -> None:
        self._project: Path | None = None
        self._handle: TextIO | None = None

    @hook_impl
    def after_context_created(self, context) -> None:
        self._project = Path(context.project_path)

    @hook_impl(trylast=True)  # after the hooks that may refuse the run, so a refusal never leaves it held
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        if self._project is None or self._handle is not None:
            return
        path = self._project / "data" / LOCK_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            from gans_fingerprints.progress import stop_run_progress  # noqa: PLC0415

            stop_run_progress()  # Kedro calls no error hook for a refused run: give the console its lines back here
            raise UserInputError(
                f"Another kedro run is using this project folder ({holder}); wait for it to finish, "
                f"or run from a copy of the project. Lock: {path}"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        handle.write(f"pid {os.getpid()}, started {started}, pipelines {run_params.get('pipeline_names') or ['__default__']}")
        handle.flush()
        self._handle = handle

    def _release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    @hook_impl
    def after_pipeline_run(self, run_params, run_result, pipeline, catalog) -> None:  # noqa: ARG002
        self._release()

    @hook_impl
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:  # noqa: ARG002
        self._release()


class IngestionConsistency:
    """Refuse tables of an ingestion that did not finish, so no method trains on two datasets at once.

    Every manifest, split and ground-truth table carries the id of the ingestion that wrote it,
    and ``ingestion_commit`` names the last ingestion that wrote them all. A node outside the
    ingestion pipeline reading a table of another ingestion stops the run with one line.
    """

    _UNREAD = object()

    def __init__(self) -> None:
        self._committed: Any = self._UNREAD
        self._this_run: str | None = None

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        self._this_run = None
        self._committed = self._UNREAD  # read when first needed: after the run lock is held

    def _commit(self, catalog) -> dict[str, Any]:
        if self._committed is self._UNREAD:
            try:
                self._committed = catalog.load("ingestion_commit") if catalog.exists("ingestion_commit") else {}
            except DatasetError:  # unreadable: as if no ingestion had completed, which a new one repairs
                self._committed = {}
        return self._committed or {}

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs) -> None:  # noqa: ARG002 - hook signature
        if "ingestion_run" in outputs:
            self._this_run = outputs["ingestion_run"]["run_id"]
        if "ingestion_commit" in outputs:
            self._committed = outputs["ingestion_commit"]
        self._stamp_summaries(catalog, outputs)

    def _stamp_summaries(self, catalog, outputs: dict[str, Any]) -> None:
        """Every method summary names the ingestion whose data this run read (the one every table it read
        carries, as ``before_node_run`` checks), before it is saved; the report leaves out other runs'."""
        import pandas as pd  # noqa: PLC0415 - only once a node has run

        from gans_fingerprints.evaluation.summary import STAMPED, SUMMARY_SUFFIX  # noqa: PLC0415

        for name, table in outputs.items():
            if name.endswith(SUMMARY_SUFFIX) and isinstance(table, pd.DataFrame) and STAMPED in table.columns:
                table[STAMPED] = self._this_run or self._commit(catalog).get("run_id")

    @hook_impl
    def before_node_run(self, node, catalog, inputs) -> None:
        from gans_fingerprints.pipelines.ingestion.nodes import RUN_ATTRIBUTE  # noqa: PLC0415
        from gans_fingerprints.pipelines.ingestion.pipeline import INGESTION_TABLES  # noqa: PLC0415

        if "ingestion" in node.tags or not set(node.inputs) & set(INGESTION_TABLES):
            return
        commit = self._commit(catalog)
        committed = commit.get("run_id")
        rerun = "Run `kedro run --pipelines ingestion` again (same raw_data_root) to rebuild them together."
        for name in node.inputs:
            if name not in INGESTION_TABLES or not hasattr(inputs.get(name), "attrs"):
                continue
            stamp = inputs[name].attrs.get(RUN_ATTRIBUTE)
            if stamp in (committed, self._this_run) and stamp is not None:
                continue
            if stamp is None:
                raise UserInputError(f"{name} carries no ingestion run id (written by an older version). {rerun}")
            last = f"ingestion {committed} of {commit.get('root')}" if committed else "none"
            raise UserInputError(
                f"{name} comes from ingestion {stamp}, which did not finish: the intermediate data mixes "
                f"two ingestions (last complete: {last}). {rerun}"
            )


HASHED_SUFFIXES = ("_image_stack", "_manifest", "_ground_truth", "_train_split")
"""Datasets whose content hash goes into the report's provenance: the images and tables every method reads."""
HISTORY_SUFFIX = "_history"
REPORT = "html_report"


def run_name(record, runtime_params: dict[str, Any]) -> str:
    """``__default__ (demo) seed=7 2026-11-29 08:36``: what was run, with which ``--params``, when."""
    given = " ".join(f"{key}={value}" for key, value in sorted(runtime_params.items()) if not isinstance(value, dict))
    given = given if len(given) <= 60 else given[:57] + "..."
    return " ".join(part for part in (f"{'+'.join(record.pipelines) or '__default__'} ({record.env})", given,
                                      f"{record.started:%Y-%m-%d %H:%M}") if part)


class RunReporting:
    """Record the run as it goes (:class:`RunRecord`), log it to MLflow, and when it ends (or fails) write the
    HTML report (catalog ``html_report``) and print the results table with the report's path.

    Tracking and reporting never fail a run that computed its results: a failure is a logged warning, and an
    MLflow run is always closed (FINISHED, FAILED, or KILLED when the process ends inside the run, Ctrl-C).
    Registered before ``ProjectLock``, so its ``before_pipeline_run`` (trylast) runs once the lock is held.
    """

    def __init__(self) -> None:
        self._context: Any = None
        self._record: Any = None
        self._tracker: Any = None
        self._node_started: dict[str, float] = {}
        self._exit_handler = False

    @hook_impl
    def after_context_created(self, context) -> None:
        self._context = context

    def _start_tracking(self, record, run_params: dict[str, Any]) -> None:
        from gans_fingerprints.tracking import MlflowTracker, tracking_settings  # noqa: PLC0415

        uri = "?"
        try:
            try:
                config = self._context.config_loader["tracking"]
            except KeyError:  # no tracking.yml: the defaults
                config = {}
            settings = tracking_settings(config, record.project_path)
            uri = settings.tracking_uri
            if not settings.enabled:
                logger.info("Experiment tracking is off (tracking.yml `enabled: false` or GANS_FINGERPRINTS_TRACKING=off).")
                return
            tracker = MlflowTracker(settings)
            tags = {"git_commit": record.commit, "env": record.env, "pipelines": ",".join(record.pipelines) or "__default__",
                    "device": record.device, "kedro_session": str(run_params.get("session_id", ""))}
            tracker.start(run_name(record, run_params.get("runtime_params") or {}), tags, record.parameters)
            self._tracker = tracker
        except Exception:
            logger.warning("MLflow tracking could not start (%s); this run is not tracked. Check tracking.yml or "
                           "MLFLOW_TRACKING_URI.", uri, exc_info=True)
        if not self._exit_handler:
            atexit.register(self._close_abandoned_run)
            self._exit_handler = True

    def _close_abandoned_run(self) -> None:
        """At exit inside a run (Ctrl-C, a kill): the MLflow run is marked KILLED, the terminal gets its cursor back."""
        from gans_fingerprints.progress import stop_run_progress  # noqa: PLC0415

        stop_run_progress()
        self._finish_tracking("KILLED")

    def _finish_tracking(self, status: str) -> None:
        """Close the MLflow run with ``status``, tagged first with the device line (known fully only at the end:
        a run's nodes import torch when they need it)."""
        tracker, self._tracker = self._tracker, None
        if tracker is not None:
            if self._record is not None:
                try:
                    tracker.set_tag("device", self._record.device)
                except Exception:  # the run is closed either way
                    logger.warning("Could not tag the MLflow run %s with its device.", tracker.run_id, exc_info=True)
            try:
                tracker.finish(status)
            except Exception:
                logger.warning("Could not close the MLflow run %s.", tracker.run_id, exc_info=True)

    @hook_impl(trylast=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        from gans_fingerprints.run_record import RunRecord, device_description, git_commit, run_parameters  # noqa: PLC0415

        self._finish_tracking("KILLED")  # a run interrupted in this process (Ctrl-C in a notebook) is closed first
        self._record, self._node_started = None, {}
        if self._context is None:
            return
        try:
            project = Path(self._context.project_path)
            self._record = RunRecord(project_path=project, env=str(run_params.get("env") or self._context.env or "local"),
                                     pipelines=list(run_params.get("pipeline_names") or []),
                                     parameters=run_parameters(pipeline, self._context.params),
                                     commit=git_commit(project), device=device_description())
        except Exception:
            logger.warning("Could not record this run for its report and MLflow.", exc_info=True)
            return
        self._start_tracking(self._record, dict(run_params))

    @hook_impl
    def before_node_run(self, node, catalog, inputs) -> None:  # noqa: ARG002 - hook signature
        self._node_started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs) -> None:  # noqa: ARG002 - hook signature
        if self._record is None:
            return
        from gans_fingerprints.run_record import figures_in  # noqa: PLC0415

        started = self._node_started.pop(node.name, None)
        if started is not None:
            self._record.node_seconds[node.name] = time.perf_counter() - started
        for name, data in outputs.items():
            try:
                self._record.figures.update(figures_in(name, data))
            except Exception:
                logger.warning("Could not keep figure %s for the report and MLflow.", name, exc_info=True)

    def _hash(self, name: str, data: Any) -> None:
        if self._record is None or name in self._record.data_hashes or not name.endswith(HASHED_SUFFIXES):
            return
        from gans_fingerprints.run_record import content_hash  # noqa: PLC0415

        try:
            digest = content_hash(data)
        except Exception:  # provenance never fails a run
            logger.warning("Could not hash %s for the report's provenance.", name, exc_info=True)
            return
        if digest is not None:
            self._record.data_hashes[name] = digest

    @hook_impl
    def after_dataset_loaded(self, dataset_name, data, node) -> None:  # noqa: ARG002 - hook signature
        self._hash(dataset_name, data)

    @hook_impl
    def after_dataset_saved(self, dataset_name, data, node) -> None:  # noqa: ARG002 - hook signature
        self._hash(dataset_name, data)

    def _report(self, pipeline, catalog) -> tuple[list[str], str | None, Any]:
        """Save the report through its catalog dataset; returns the terminal's line, the page and what it shows
        (nothing when the run made no results, or the report could not be written)."""
        from gans_fingerprints.html_report import render_report  # noqa: PLC0415
        from gans_fingerprints.run_record import latest_saved  # noqa: PLC0415
        from gans_fingerprints.run_report import report_inputs  # noqa: PLC0415

        if self._record is None:
            return [], None, None
        try:
            from gans_fingerprints.run_record import device_description  # noqa: PLC0415

            self._record.device = device_description()  # now that the nodes imported torch, if any needed it
            inputs = report_inputs(self._record, pipeline, catalog)
            if inputs is None:
                return [], None, None
            text = render_report(inputs)
            dataset = catalog.get(REPORT)
            dataset.save(text)  # the dataset itself, not catalog.save: no INFO line after the results table
        except Exception:
            logger.warning("Could not write the HTML report.", exc_info=True)
            return [], None, None
        saved = latest_saved(dataset)
        return ([f"report: {saved}"] if saved else []), text, inputs

    @hook_impl(tryfirst=True)  # before ProjectLock releases the project folder
    def after_pipeline_run(self, run_params, run_result, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        lines, report, inputs = self._report(pipeline, catalog)
        tracker = self._tracker
        if tracker is not None:
            status = "FINISHED"
            try:
                self._log_run_end(pipeline, catalog, report, inputs)
                lines.append(tracker.where())
            except Exception:
                status = "FAILED"
                logger.warning("Could not log this run's results to MLflow.", exc_info=True)
            finally:
                self._finish_tracking(status)
        try:
            from gans_fingerprints.terminal_summary import print_run_summary  # noqa: PLC0415 - rich only at the end

            print_run_summary(pipeline.all_outputs(), catalog, extra_lines=lines)
        except Exception:  # a summary that cannot be shown never fails a finished run
            logger.warning("Could not print the results table; see data/08_reporting.", exc_info=True)

    def _log_run_end(self, pipeline, catalog, report: str | None, inputs: Any) -> None:
        """Every summary and history this run wrote (read back from the catalog, so runs on any runner are
        tracked), seconds per pipeline, figures, files and the report (``inputs``: what the report showed)."""
        from kedro.framework.project import pipelines as registered  # noqa: PLC0415

        from gans_fingerprints.evaluation.summary import SUMMARY_SUFFIX  # noqa: PLC0415
        from gans_fingerprints.run_record import seconds_per_pipeline  # noqa: PLC0415
        from gans_fingerprints.run_report import report_figures  # noqa: PLC0415
        from gans_fingerprints.terminal_summary import output_paths  # noqa: PLC0415

        tracker = self._tracker
        for name in sorted(pipeline.all_outputs()):
            if name.endswith((SUMMARY_SUFFIX, HISTORY_SUFFIX)) and name != "benchmark_summary":
                table = catalog.get(name).load()
                if name.endswith(SUMMARY_SUFFIX):
                    tracker.log_summary(table)
                else:
                    tracker.log_history(name, table)
        seconds = inputs.pipeline_seconds if inputs is not None else seconds_per_pipeline(self._record.node_seconds, registered)
        tracker.log_metrics([(f"seconds/{name}", value, 0) for name, value in seconds.items()]
                            + [("seconds/run", self._record.seconds, 0)])
        figures = inputs.figures if inputs is not None else report_figures(self._record, pipeline, catalog, set())
        files: dict[str, bytes | str] = {f"figures/{figure.key}.png": figure.png for figure in figures}
        for label, paths in output_paths(pipeline.all_outputs(), catalog).items():
            for path in paths:
                files[f"{label.replace(' ', '_')}/{Path(path).name}"] = Path(path).read_bytes()
        if report is not None:
            files["report.html"] = report
        tracker.log_files(files)

    @hook_impl(tryfirst=True)  # the partial report is written before ProjectLock releases the folder
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        if self._record is not None:
            self._record.status = f"FAILED: {type(error).__name__}: {error}"
            lines, _, _ = self._report(pipeline, catalog)  # what the run made before it failed
            for line in lines:
                logger.warning("The run failed; its partial %s", line)
        self._finish_tracking("FAILED")


class RunProgress:
    """On a terminal, one bar for the run (nodes done, the node running, ETA) instead of per-node INFO lines,
    which still go to ``logs/info.log`` (see ``progress``). Off a terminal it does nothing."""

    def __init__(self) -> None:
        self._pending: tuple[int, str] | None = None

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        from gans_fingerprints.progress import quiet_console  # noqa: PLC0415

        quiet_console()  # before the first node's inputs are loaded; the bar itself starts with that node
        self._pending = (len(pipeline.nodes), f"kedro run ({'+'.join(run_params.get('pipeline_names') or []) or 'all'})")

    @hook_impl
    def before_node_run(self, node, catalog, inputs) -> None:  # noqa: ARG002 - hook signature
        from gans_fingerprints.progress import advance_run, start_run_progress  # noqa: PLC0415

        if self._pending is not None:  # the first node: the run was not refused (another run's lock, say)
            start_run_progress(*self._pending)
            self._pending = None
        advance_run(status=node.name)

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs) -> None:  # noqa: ARG002 - hook signature
        from gans_fingerprints.progress import advance_run  # noqa: PLC0415

        advance_run(advance=1)

    @hook_impl(tryfirst=True)  # before the results table is printed
    def after_pipeline_run(self, run_params, run_result, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        from gans_fingerprints.progress import stop_run_progress  # noqa: PLC0415

        stop_run_progress()

    @hook_impl(tryfirst=True)
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        from gans_fingerprints.progress import stop_run_progress  # noqa: PLC0415

        stop_run_progress()
