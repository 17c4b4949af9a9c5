"""Experiment tracking with MLflow: every run's parameters, per-method metrics, training curves, figures and files.

Through MLflow's own client in the ``RunReporting`` hook rather than the kedro-mlflow plugin: kedro-mlflow
logs metrics only through catalog entries that wrap each output in an MLflow dataset, so every method's
``<method>_summary`` and ``*_history`` entry would need a twin, and a new method pipeline would not
reach MLflow without an edit to the catalog. Here a new summary or history is logged by its name.

Settings: ``conf/base/tracking.yml`` (``enabled``, ``tracking_uri``, ``artifact_location``, ``experiment``);
the environment variable ``MLFLOW_TRACKING_URI`` wins over ``tracking_uri`` (a team's server), and
``GANS_FINGERPRINTS_TRACKING=off`` switches tracking off for one shell (the test suite does).
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

SWITCH = "GANS_FINGERPRINTS_TRACKING"
PARAMS_PER_BATCH = 100
METRICS_PER_BATCH = 1000
PARAM_VALUE_LIMIT = 6000


@dataclass(frozen=True)
class TrackingSettings:
    """Where runs go. ``tracking_uri`` and ``artifact_location`` are absolute once read by :func:`tracking_settings`;
    ``artifact_location`` is empty for a tracking server (the server's own artifact store is used)."""

    enabled: bool
    tracking_uri: str
    artifact_location: str
    experiment: str


def _absolute_uri(uri: str, project_path: Path) -> str:
    """A ``sqlite:///relative/path`` or bare path is taken relative to the project, not to the working directory."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        return prefix + str(project_path / uri[len(prefix):])
    if "://" not in uri and not uri.startswith("/"):
        return str(project_path / uri)
    return uri


def tracking_settings(config: Mapping[str, Any] | None, project_path: Path) -> TrackingSettings:
    """Settings from the ``tracking`` block of ``tracking.yml``, the environment overriding it."""
    block = dict((config or {}).get("tracking") or {})
    enabled = bool(block.get("enabled", True)) and os.environ.get(SWITCH, "on").lower() not in ("off", "0", "false", "no")
    uri = os.environ.get("MLFLOW_TRACKING_URI") or block.get("tracking_uri", "sqlite:///data/09_tracking/mlflow.db")
    uri = _absolute_uri(str(uri), project_path)
    # A server keeps artifacts where it is configured to; a local store keeps them in the project.
    server = uri.startswith(("http://", "https://", "databricks"))
    artifacts = "" if server else _absolute_uri(str(block.get("artifact_location", "data/09_tracking/artifacts")), project_path)
    return TrackingSettings(enabled, uri, artifacts, str(block.get("experiment", "gans_fingerprints")))


def flatten(parameters: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as ``a.b.c`` → text (MLflow parameters are flat strings)."""
    flat = {}
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)[:PARAM_VALUE_LIMIT]
    return flat


def metric_key(*parts: str) -> str:
    """An MLflow metric name from parts (``subtask2/resnet50.SVM/test_accuracy``): only the characters MLflow allows."""
    cleaned = (re.sub(r"[^\w\-. :/]", "_", part.replace(" + ", ".")) for part in parts)
    return "/".join(cleaned)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def summary_metrics(table: pd.DataFrame) -> dict[str, float]:
    """Every finite figure of a method summary, as ``subtask<k>/<method>/<column>``."""
    metrics = {}
    for _, row in table.iterrows():
        for column, value in row.items():
            number = _numeric(value)
            if number is not None and column != "subtask":
                metrics[metric_key(f"subtask{int(row['subtask'])}", str(row["method"]), str(column))] = number
    return metrics


STEP_COLUMNS = ("epoch", "step")
GROUP_COLUMNS = ("generator",)


def history_metrics(name: str, table: pd.DataFrame) -> list[tuple[str, float, int]]:
    """A training history's curves as (key, value, step): ``<history>[/<generator>]/<column>`` per epoch or step."""
    step = next((c for c in STEP_COLUMNS if c in table.columns), None)
    if step is None:
        return []
    group = next((c for c in GROUP_COLUMNS if c in table.columns), None)
    values = [c for c in table.columns if c not in (step, group) and pd.api.types.is_numeric_dtype(table[c])
              and not pd.api.types.is_bool_dtype(table[c])]
    points = []
    for _, row in table.iterrows():
        for column in values:
            number = _numeric(row[column])
            if number is not None:
                parts = [name, str(row[group]), column] if group else [name, column]
                points.append((metric_key(*parts), number, int(row[step])))
    return points


class MlflowTracker:
    """One MLflow run per ``kedro run``, written through :class:`mlflow.MlflowClient` (no global active run)."""

    def __init__(self, settings: TrackingSettings) -> None:
        # An unreachable server costs seconds, not MLflow's default minutes of retries (a user's own setting wins).
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")
        from mlflow import MlflowClient  # noqa: PLC0415 - MLflow's import takes seconds; only when tracking is on

        self.settings = settings
        self.client = MlflowClient(tracking_uri=settings.tracking_uri)
        self.run_id: str | None = None

    def start(self, run_name: str, tags: Mapping[str, str], parameters: Mapping[str, Any]) -> str:
        """Create the run (and the experiment, with its artifact location, the first time); log the parameters."""
        experiment = self.client.get_experiment_by_name(self.settings.experiment)
        if experiment is None:
            experiment_id = self.client.create_experiment(self.settings.experiment,
                                                          artifact_location=self.settings.artifact_location or None)
        else:
            experiment_id = experiment.experiment_id
        self.run_id = self.client.create_run(experiment_id, run_name=run_name, tags=dict(tags)).info.run_id
        from mlflow.entities import Param  # noqa: PLC0415

        params = [Param(key, value) for key, value in sorted(flatten(parameters).items())]
        try:
            for start in range(0, len(params), PARAMS_PER_BATCH):
                self.client.log_batch(self.run_id, params=params[start:start + PARAMS_PER_BATCH])
        except Exception:
            self.finish("FAILED")  # never leave a half-started run RUNNING
            raise
        return self.run_id

    def where(self) -> str:
        """The line the terminal shows: the run and how to open it."""
        uri = self.settings.tracking_uri
        if uri.endswith("data/09_tracking/mlflow.db"):
            how = "`make ui` opens it"
        elif uri.startswith(("http://", "https://")):
            how = f"open {uri}"
        else:
            how = f"`uv run mlflow ui --backend-store-uri {uri}` opens it"
        return f"MLflow run {self.run_id} in {self.settings.tracking_uri} ({how})"

    def log_metrics(self, points: Iterable[tuple[str, float, int]]) -> None:
        from mlflow.entities import Metric  # noqa: PLC0415

        now = int(time.time() * 1000)
        metrics = [Metric(key, value, now, step) for key, value, step in points]
        for start in range(0, len(metrics), METRICS_PER_BATCH):
            self.client.log_batch(self.run_id, metrics=metrics[start:start + METRICS_PER_BATCH])

    def set_tag(self, key: str, value: str) -> None:
        self.client.set_tag(self.run_id, key, value)

    def log_summary(self, table: pd.DataFrame) -> None:
        self.log_metrics((key, value, 0) for key, value in summary_metrics(table).items())

    def log_history(self, name: str, table: pd.DataFrame) -> None:
        self.log_metrics(history_metrics(name, table))

    def log_files(self, files: Mapping[str, bytes | str]) -> None:
        """Artifacts by relative path (``figures/subtask1_roc.png``, ``report.html``), from bytes or text in memory."""
        with tempfile.TemporaryDirectory() as folder:
            for relative, content in files.items():
                path = Path(folder, relative)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
            self.client.log_artifacts(self.run_id, folder)

    def finish(self, status: str = "FINISHED") -> None:
        if self.run_id is not None:
            self.client.set_terminated(self.run_id, status=status)
