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

import contextlib
import graphlib
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

from gans_fingerprints.cores import cpu_budget

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


def submission_order(dependencies: dict[Node, set[Node]]) -> list[Node]:
    """Every node after all it depends on, the added commit edges included (a cycle raises ``graphlib.CycleError``)."""
    return list(graphlib.TopologicalSorter(dependencies).static_order())


def _metadata(result: dict[str, Any]) -> dict[str, Any]:
    """What the driver needs of a task's result: not the in-memory data, which stays on the workers."""
    return {key: value for key, value in result.items() if key != "memory"}


class DaskRunner(AbstractRunner):
    """Every node a task on a Dask cluster: a local one made for the run, or the scheduler at ``address``.

    The local cluster has ``n_workers`` worker processes (default: the cores this run may use) of
    ``threads_per_worker`` threads each, and torch in each worker uses that many threads; workers have no
    memory limit (a node's need is the same as under the sequential runner).
    """

    def __init__(self, address: str | None = None, n_workers: int | None = None, threads_per_worker: int = 1,
                 is_async: bool = False) -> None:
        super().__init__(is_async=is_async)
        self._address, self._n_workers, self._threads = address, n_workers, int(threads_per_worker)
        self.placement: dict[str, str] = {}
        """Node name → the worker that ran it, in the last run (for a test, and for the log)."""
        self.node_seconds: dict[str, float] = {}

    def _get_executor(self, max_workers: int) -> None:  # noqa: ARG002 - Dask's scheduler, not an executor, runs the nodes
        return None

    def _connect(self, stack: contextlib.ExitStack):
        """The client, closed (with a cluster made here) when ``stack`` closes, on success or failure alike."""
        import dask  # noqa: PLC0415 - only when this runner is chosen
        from distributed import Client, LocalCluster  # noqa: PLC0415

        if self._address:
            return stack.enter_context(Client(self._address))
        workers = self._n_workers or max(1, cpu_budget() // self._threads)
        threads = str(self._threads)
        with dask.config.set({"distributed.nanny.pre-spawn-environ.OMP_NUM_THREADS": threads,
                              "distributed.nanny.pre-spawn-environ.MKL_NUM_THREADS": threads}):
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=self._threads, processes=True,
                                                       memory_limit=0, dashboard_address=None))
        return stack.enter_context(Client(cluster))

    def _run(self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None, run_id: str | None = None) -> None:  # noqa: ARG002
        from distributed import as_completed  # noqa: PLC0415

        from gans_fingerprints.pipelines.ingestion.pipeline import INGESTION_TABLES  # noqa: PLC0415
        from gans_fingerprints.progress import advance_run, start_run_progress  # noqa: PLC0415

        self.placement, self.node_seconds = {}, {}
        in_memory = in_memory_datasets(pipeline, catalog)
        dependencies = task_dependencies(pipeline, INGESTION_TABLES)
        children = Counter(parent for parents in dependencies.values() for parent in parents)
        load_counts = Counter(chain.from_iterable(n.inputs for n in pipeline.nodes))
        results: dict[Node, Any] = {}
        with contextlib.ExitStack() as stack:
            client = self._connect(stack)
            logger.info("Dask: %d nodes on the scheduler at %s", len(pipeline.nodes), client.scheduler.address)
            metadata = {}
            try:
                for node in submission_order(dependencies):
                    upstream = [results[parent] for parent in sorted(dependencies[node], key=lambda n: n.name)]
                    key = f"{node.name}-{run_id or time.time_ns()}"
                    results[node] = client.submit(run_node_on_worker, node, catalog, in_memory, self._is_async, run_id,
                                                  *upstream, key=key, pure=False)
                    metadata[client.submit(_metadata, results[node], key=f"{key}-metadata", pure=False)] = node
                start_run_progress(len(metadata), "kedro run on Dask")
                for done, future in enumerate(as_completed(list(metadata)), start=1):
                    outcome, node = future.result(), metadata.pop(future)  # a node's exception is raised here
                    self.placement[node.name], self.node_seconds[node.name] = outcome["worker"], outcome["seconds"]
                    advance_run(status=node.name, advance=1)
                    logger.info("Completed node %s on %s in %.1f s (%d of %d)", node.name, outcome["worker"],
                                outcome["seconds"], done, len(pipeline.nodes))
                    self._release_datasets(node, catalog, load_counts, pipeline)
                    for parent in dependencies[node]:  # a result no remaining node needs is freed on its worker
                        children[parent] -= 1
                        if children[parent] == 0:
                            results.pop(parent).release()
            except BaseException:
                for future in (*results.values(), *metadata):
                    future.cancel()  # tasks already running on an external cluster finish their node
                raise
