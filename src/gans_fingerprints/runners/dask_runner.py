"""Kedro nodes as tasks on a Dask cluster (``dask.distributed``), after Kedro's documented pattern.

``kedro run --runner gans_fingerprints.runners.DaskRunner`` starts a local cluster (one process per
worker, one thread each) for the run; ``--runner-params address=tcp://host:8786`` sends the nodes
to an existing scheduler instead. Each node is one task; Dask runs a node once the nodes it depends
on have finished, so independent nodes (one generator per subset, one backbone per namespace) run
side by side.

What crosses between workers: datasets in files go through the catalog, which every worker must
reach (a shared folder, or fsspec storage such as s3:// in the catalog); the few in-memory datasets
between nodes (ingestion records, the benchmark plan) travel as task results, so no node reads an
empty ``MemoryDataset`` on another worker. Node-level hooks run on the worker with fresh instances
(the ingestion consistency check among them); a node that reads ingestion tables waits for the
ingestion's commit, so it never reads tables of an ingestion still being written.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from typing import Any

from kedro.io import MemoryDataset
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node
from kedro.runner import AbstractRunner, SequentialRunner

logger = logging.getLogger(__name__)

COMMIT = "ingestion_commit"
"""The dataset the ingestion writes last; nodes that read ingestion tables run after it."""


def _node_hooks():
    """A hook manager for one task, with fresh instances of the project's hooks (no state from an earlier run
    survives on a long-lived worker)."""
    from kedro.framework.hooks.manager import _create_hook_manager, _register_hooks  # noqa: PLC0415

    from gans_fingerprints.settings import HOOKS  # noqa: PLC0415 - the project's own hooks, imported on the worker

    manager = _create_hook_manager()
    _register_hooks(manager, [type(hook)() for hook in HOOKS])
    return manager


def run_node_on_worker(node: Node, catalog: Any, in_memory: frozenset[str], is_async: bool, run_id: str | None,
                       *upstream: dict[str, Any]) -> dict[str, Any]:
    """Run one node on a worker: load the in-memory inputs its upstream tasks returned into this copy of the
    catalog, run it as Kedro's sequential runner would, and return its in-memory outputs with where and how
    long it ran."""
    from distributed import get_worker  # noqa: PLC0415

    for results in upstream:
        for name, data in results["memory"].items():
            if name in node.inputs:
                catalog.save(name, data)
    started = time.perf_counter()
    SequentialRunner(is_async=is_async).run(Pipeline([node]), catalog, _node_hooks(), run_id)
    memory = {name: catalog.load(name) for name in node.outputs if name in in_memory}
    return {"node": node.name, "memory": memory, "seconds": time.perf_counter() - started, "worker": get_worker().address}


def in_memory_datasets(pipeline: Pipeline, catalog: Any) -> frozenset[str]:
    """Datasets that live only in memory between two nodes of the pipeline (parameters travel with the catalog)."""
    produced = pipeline.all_outputs()
    return frozenset(name for name in produced if isinstance(catalog.get(name, fallback_to_runtime_pattern=True), MemoryDataset))


def task_dependencies(pipeline: Pipeline, ingestion_tables: Iterable[str]) -> dict[Node, set[Node]]:
    """Kedro's node dependencies, plus: a node outside the ingestion that reads an ingestion table waits for the
    node that commits the ingestion (when this run has one)."""
    dependencies = {node: set(parents) for node, parents in pipeline.node_dependencies.items()}
    committer = next((node for node in pipeline.nodes if COMMIT in node.outputs), None)
    tables = set(ingestion_tables)
    if committer is not None:
        for node in pipeline.nodes:
            if "ingestion" not in node.tags and tables & set(node.inputs):
                dependencies[node].add(committer)
    return dependencies


class DaskRunner(AbstractRunner):
    """Every node a task on a Dask cluster: a local one made for the run, or the scheduler at ``address``."""

    def __init__(self, address: str | None = None, n_workers: int | None = None, threads_per_worker: int = 1,
                 is_async: bool = False) -> None:
        super().__init__(is_async=is_async)
        self._address, self._n_workers, self._threads = address, n_workers, threads_per_worker
        self.placement: dict[str, str] = {}
        """Node name → the worker that ran it, in the last run (for a test, and for the log)."""
        self.node_seconds: dict[str, float] = {}

    def _get_executor(self, max_workers: int) -> None:  # noqa: ARG002 - Dask's scheduler, not an executor, runs the nodes
        return None

    def _client(self):
        from distributed import Client, LocalCluster  # noqa: PLC0415 - only when this runner is chosen

        if self._address:
            return Client(self._address), None
        cluster = LocalCluster(n_workers=self._n_workers, threads_per_worker=self._threads, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster

    def _run(self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None, run_id: str | None = None) -> None:  # noqa: ARG002
        from distributed import as_completed  # noqa: PLC0415

        from gans_fingerprints.pipelines.ingestion.pipeline import INGESTION_TABLES  # noqa: PLC0415
        from gans_fingerprints.progress import advance_run, start_run_progress  # noqa: PLC0415

        self.placement, self.node_seconds = {}, {}
        in_memory = in_memory_datasets(pipeline, catalog)
        dependencies = task_dependencies(pipeline, INGESTION_TABLES)
        load_counts = Counter(chain.from_iterable(n.inputs for n in pipeline.nodes))
        client, cluster = self._client()
        futures: dict[Node, Any] = {}
        try:
            logger.info("Dask: %d nodes on the scheduler at %s", len(pipeline.nodes), client.scheduler.address)
            for node in pipeline.nodes:  # topologically sorted: every dependency was submitted before the node
                upstream = [futures[parent] for parent in sorted(dependencies[node], key=lambda n: n.name)]
                futures[node] = client.submit(run_node_on_worker, node, catalog, in_memory, self._is_async, run_id, *upstream,
                                              key=f"{node.name}-{run_id or time.time_ns()}", pure=False)
            start_run_progress(len(futures), "kedro run on Dask")
            done = 0
            for future in as_completed(list(futures.values())):
                result = future.result()  # a node's exception is raised here, with its traceback
                done += 1
                self.placement[result["node"]] = result["worker"]
                self.node_seconds[result["node"]] = result["seconds"]
                node = next(n for n in futures if n.name == result["node"])
                advance_run(status=node.name, advance=1)
                logger.info("Completed node %s on %s in %.1f s (%d of %d)", node.name, result["worker"], result["seconds"],
                            done, len(futures))
                self._release_datasets(node, catalog, load_counts, pipeline)
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
