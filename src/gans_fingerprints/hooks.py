"""Project hooks."""

from __future__ import annotations

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


class ResultsOnTerminal:
    """End a run that wrote method summaries with its results table on the terminal (see ``terminal_summary``)."""

    @hook_impl(trylast=True)
    def after_pipeline_run(self, run_params, run_result, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        try:
            from gans_fingerprints.terminal_summary import print_run_summary  # noqa: PLC0415 - rich only at the end

            print_run_summary(pipeline.all_outputs(), catalog)
        except Exception:  # a summary that cannot be shown never fails a finished run
            logger.warning("Could not print the results table; see data/08_reporting.", exc_info=True)
