"""The ingestion pipeline run as a user runs it: through a KedroSession and through the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import kedro_subprocess, run_pipelines, versions

pytestmark = pytest.mark.slow


def run_session(project: Path, raw_root: Path) -> None:
    run_pipelines(project, ["ingestion"], env="demo", raw_data_root=str(raw_root))


def reports(project: Path) -> list[Path]:
    return versions(project, "08_reporting", "ingestion_report.json")


def test_session_run_writes_manifests_stacks_truth_and_report(project_copy, tmp_path):
    from gans_fingerprints.sample_release import write_sample_release

    raw = write_sample_release(tmp_path / "elsewhere", image_size=64, per_folder=2, seed=3)
    run_session(project_copy, raw)
    intermediate = project_copy / "data" / "02_intermediate"
    for key, count in {"subtask1_train": 8, "subtask1_test": 8, "subtask2_train": 20, "subtask2_test": 10}.items():
        manifest = pd.read_parquet(intermediate / f"{key}_manifest.parquet")
        stack = np.load(intermediate / f"{key}_images.npy", mmap_mode="r")
        assert len(manifest) == count and stack.shape == (count, 64, 64)
    # Spooled in the project's own folder (the catalog's, not the working directory's) and renamed into place.
    assert (intermediate / "spool").is_dir() and list((intermediate / "spool").iterdir()) == []
    truth = pd.read_parquet(project_copy / "data" / "03_primary" / "subtask2_test_ground_truth.parquet")
    assert len(truth) == 10
    [report_path] = reports(project_copy)
    report = json.loads(report_path.read_text())
    assert report["totals"]["images"] == 46
    assert report["splits"]["subtask1_train"]["root"] == f"{raw}/subtask1"
    assert report["ground_truth"] == {
        "subtask1_test": {"present": True, "rows": 4},
        "subtask2_test": {"present": True, "rows": 10},
    }


def test_missing_subtask_does_not_stop_the_other(project_copy, tmp_path):
    import shutil

    from gans_fingerprints.sample_release import write_sample_release

    raw = write_sample_release(tmp_path / "raw", image_size=64, per_folder=2, seed=3)
    shutil.rmtree(raw / "subtask1")
    (raw / "ground_truth" / "subtask1_test.csv").unlink()
    run_session(project_copy, raw)
    report = json.loads(reports(project_copy)[0].read_text())
    assert report["splits"]["subtask1_train"]["status"] == "absent"
    assert report["splits"]["subtask2_train"]["images"] == 20


def _kedro(project: Path, *args: str) -> subprocess.CompletedProcess:
    return kedro_subprocess(project, "--env", "demo", *args)


def test_cli_both_pipeline_flags_and_reports_are_versioned(project_copy, tmp_path):
    from gans_fingerprints.sample_release import write_sample_release

    raw = write_sample_release(tmp_path / "raw", image_size=64, per_folder=2, seed=3)
    current = _kedro(project_copy, "--pipelines", "ingestion", "--params", f"raw_data_root={raw}")
    assert current.returncode == 0, current.stderr[-3000:]
    deprecated = _kedro(project_copy, "--pipeline", "ingestion", "--params", f"raw_data_root={raw}")
    assert deprecated.returncode == 0, deprecated.stderr[-3000:]
    assert len(reports(project_copy)) == 2, "a second run must not overwrite the first report"


def test_cli_error_for_missing_layout_is_clear(project_copy, tmp_path):
    (tmp_path / "raw" / "subtask2" / "train").mkdir(parents=True)
    result = _kedro(project_copy, "--pipelines", "ingestion", "--params", f"raw_data_root={tmp_path / 'raw'}")
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert "Expected folder" in output and "Data layout" in output
    assert result.stderr.strip().startswith("error: Expected folder"), "a user error ends in one line"
    assert "Traceback" not in result.stderr
