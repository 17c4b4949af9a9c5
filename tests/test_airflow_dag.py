"""``kedro airflow create`` (kedro-airflow) builds a DAG of the default pipeline that runs every node once, in order."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

from gans_fingerprints.scratch_project import make_scratch_project

TASK = re.compile(r'@task\(task_id="([^"]+)"\)\s+def \w+\(\):\s+_run_kedro_node\(node_names=(\[[^\]]*\])\)')
EDGE = re.compile(r'tasks\["([^"]+)"\] >> tasks\["([^"]+)"\]')


def test_the_airflow_dag_builds_runs_every_node_once_and_keeps_the_order(tmp_path):
    project = make_scratch_project(tmp_path / "project")
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "GANS_FINGERPRINTS_TRACKING": "off"}
    result = subprocess.run([sys.executable, "-m", "kedro", "airflow", "create", "--group-by", "memory", "-t", "dags"],
                            cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    source = (project / "dags" / "gans_fingerprints_dag.py").read_text()
    compile(source, "gans_fingerprints_dag.py", "exec")  # valid Python (running it needs Airflow itself)

    task_of = {name: task for task, names in TASK.findall(source) for name in ast.literal_eval(names)}
    edges = set(EDGE.findall(source))

    from kedro.framework.project import pipelines
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    pipeline = pipelines["__default__"]
    assert sorted(task_of) == sorted(node.name for node in pipeline.nodes), "every node in exactly one task"
    assert sum(len(ast.literal_eval(names)) for _, names in TASK.findall(source)) == len(pipeline.nodes)
    for node, parents in pipeline.node_dependencies.items():
        for parent in parents:
            if task_of[parent.name] != task_of[node.name]:
                assert (task_of[parent.name], task_of[node.name]) in edges, f"{parent.name} runs before {node.name}"
    assert len(set(task_of.values())) > 10, "independent nodes are separate tasks"
