"""Project hooks."""

from __future__ import annotations

import sys
from types import TracebackType

from kedro.framework.hooks import hook_impl
from kedro.io import DatasetError

from gans_fingerprints.errors import UserInputError


def _catalog_name(error: DatasetError) -> str | None:
    """The dataset name Kedro's catalog puts before its load errors (``name: Failed while ...``)."""
    prefix = str(error).split(":", 1)[0].strip()
    return prefix if prefix and all(c.isalnum() or c in "_.-" for c in prefix) else None


def _user_error_in_chain(error: BaseException | None) -> UserInputError | None:
    """The user-input error behind ``error``; a missing input file of a catalog dataset counts as one."""
    dataset = None
    saw_dataset_error = False
    while error is not None:
        if isinstance(error, UserInputError):
            return error
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
    usual (rich) traceback, since that one is a bug worth a full report.
    """

    @hook_impl
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

        excepthook._gans_fingerprints = True  # type: ignore[attr-defined]
        sys.excepthook = excepthook


class BenchmarkRunsAlone:
    """Refuse a run that mixes the benchmark builder with pipelines that read the raw data.

    The benchmark writes the raw root, which the other pipelines read through different catalog
    entries, so Kedro sees no dependency between them and may run a reader first.
    """

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:  # noqa: ARG002 - hook signature
        tags = [node.tags for node in pipeline.nodes]
        if any("benchmark" in t for t in tags) and any("benchmark" not in t for t in tags):
            raise UserInputError(
                "The benchmark writes the raw data the other pipelines read, so it runs on its own: "
                "`kedro run --pipelines benchmark`, then `kedro run` (or the pipelines you want)."
            )


class BackboneSelection:
    """Apply ``subtask2_features.backbones`` (from conf or --params) before Kedro builds the pipelines."""

    @hook_impl
    def after_context_created(self, context) -> None:
        from kedro.framework.project import pipelines  # noqa: PLC0415

        from gans_fingerprints.pipelines.subtask2_features.selection import select_backbones  # noqa: PLC0415

        backbones = (context.params.get("subtask2_features") or {}).get("backbones")
        if backbones is not None and select_backbones(backbones):
            pipelines.configure("gans_fingerprints.pipeline_registry")
