"""The benchmark built with the tiny profile, through a KedroSession, as a user would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gans_fingerprints.datasets.release import MARKER_NAME, TargetNotEmptyError
from gans_fingerprints.scratch_project import make_scratch_project
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow

TINY = {"subtask1": {"train_used": 6, "train_not_used": 6, "train_generated": 12, "test_used": 4, "test_not_used": 4, "test_generated": 8},
        "subtask2": {"real_per_subset": 6, "generated_per_subset": 6, "test_per_subset": 4}}


def run(project: Path, raw: Path, pipelines: list[str], **params) -> None:
    run_pipelines(project, pipelines, raw_data_root=str(raw), benchmark={"profile": "tiny", **params},
                  ingestion={"image_size": 64})


def pngs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"))


def latest(project: Path, name: str) -> Path:
    return versions(project, "08_reporting", name)[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One tiny build shared by the checks below (GAN training is the slow part)."""
    base = tmp_path_factory.mktemp("bench")
    project = make_scratch_project(base / "project")
    raw = base / "raw"
    run(project, raw, ["benchmark"])
    run(project, raw, ["ingestion"])
    return project, raw


def test_layout_and_counts(built):
    _, raw = built
    s1, s2 = TINY["subtask1"], TINY["subtask2"]
    assert len(pngs(raw / "subtask1/train/real_used")) == s1["train_used"]
    assert len(pngs(raw / "subtask1/train/real_not_used")) == s1["train_not_used"]
    assert len(pngs(raw / "subtask1/train/generated")) == s1["train_generated"]
    assert len(pngs(raw / "subtask1/test/real_unknown")) == s1["test_used"] + s1["test_not_used"]
    assert len(pngs(raw / "subtask1/test/generated")) == s1["test_generated"]
    for k in range(1, 6):
        assert len(pngs(raw / f"subtask2/train/real/t{k}")) == s2["real_per_subset"]
        assert len(pngs(raw / f"subtask2/train/generated/gen_t{k}")) == s2["generated_per_subset"]
    assert len(pngs(raw / "subtask2/test/generated_unknown")) == 5 * s2["test_per_subset"]
    assert json.loads((raw / MARKER_NAME).read_text())["complete"] is True


def test_ground_truth_matches_the_test_folders(built):
    _, raw = built
    truth1 = pd.read_csv(raw / "ground_truth/subtask1_test.csv", dtype={"image_id": str})
    assert sorted(truth1["image_id"]) == sorted(p.stem for p in pngs(raw / "subtask1/test/real_unknown"))
    assert truth1["label"].sum() == TINY["subtask1"]["test_used"]
    truth2 = pd.read_csv(raw / "ground_truth/subtask2_test.csv", dtype={"image_id": str})
    assert sorted(truth2["image_id"]) == sorted(p.stem for p in pngs(raw / "subtask2/test/generated_unknown"))
    assert truth2["subset"].value_counts().to_dict() == {f"t{k}": 4 for k in range(1, 6)}


def test_ingestion_reads_the_benchmark_cleanly(built):
    project, _ = built
    report = json.loads(latest(project, "ingestion_report.json").read_text())
    assert report["totals"]["bad_images"] == 0 and report["totals"]["unexpected_files"] == 0
    assert report["ground_truth"]["subtask2_test"] == {"present": True, "rows": 20}


def test_reports_are_written(built):
    project, _ = built
    summary = json.loads(latest(project, "benchmark_summary.json").read_text())
    assert summary["status"] == "built" and summary["image_size"] == 64
    assert set(summary["cohorts"]) == {"subtask1", "t1", "t2", "t3", "t4", "t5"}
    assert summary["seconds"]["train_generators"] > 0
    history = pd.read_csv(latest(project, "benchmark_training_history.csv"))
    assert set(history["generator"]) == {"subtask1_train", "subtask1_test", "t1", "t2", "t3", "t4", "t5"}
    assert set(history["family"]) == {"dcgan"} and {"step", "d_loss", "g_loss"} <= set(history.columns)
    reporting = project / "data" / "08_reporting"
    assert len(list(reporting.glob("benchmark_training_curves/*/benchmark_training_curves/*.png"))) == 7
    assert len(list(reporting.glob("benchmark_sample_grids/*/benchmark_sample_grids/*.png"))) == 7
    assert list((project / "data" / "06_models").glob("benchmark_generators.pt/*/benchmark_generators.pt"))


def test_second_run_skips_and_same_seed_gives_identical_reals(built, tmp_path):
    project, raw = built
    marker_before = (raw / MARKER_NAME).stat().st_mtime_ns
    run(project, raw, ["benchmark"])
    assert (raw / MARKER_NAME).stat().st_mtime_ns == marker_before, "an up-to-date release is not rewritten"
    assert json.loads(latest(project, "benchmark_summary.json").read_text())["status"] == "up_to_date"
    other = tmp_path / "other"
    run(project, other, ["benchmark"])
    for folder in ("subtask1/train/real_used", "subtask2/train/real/t3", "subtask1/test/real_unknown"):
        assert [p.read_bytes() for p in pngs(raw / folder)] == [p.read_bytes() for p in pngs(other / folder)]


def test_benchmark_and_ingestion_in_one_run_are_ordered(tmp_path):
    """The benchmark writes raw_data_root@release and ingestion reads raw_data_root@state: Kedro orders them."""
    project = make_scratch_project(tmp_path / "project")
    run(project, tmp_path / "raw", ["ingestion", "benchmark"], seed=7)
    report = json.loads(latest(project, "ingestion_report.json").read_text())
    assert report["totals"]["images"] == sum(TINY["subtask1"].values()) + 5 * sum(TINY["subtask2"].values())


def test_refuses_to_overwrite_user_data(built, tmp_path):
    project, _ = built
    mine = tmp_path / "mine" / "subtask2" / "train" / "real" / "t1"
    mine.mkdir(parents=True)
    (mine / "patient.png").write_bytes(b"precious")
    with pytest.raises(TargetNotEmptyError, match="refusing to overwrite"):
        run(project, tmp_path / "mine", ["benchmark"])
    assert (mine / "patient.png").read_bytes() == b"precious"
    assert not (tmp_path / "mine" / "subtask1").exists()
