import pandas as pd
import pytest

from gans_fingerprints.datasets.release import MARKER_NAME, TargetNotEmptyError
from gans_fingerprints.sample_release import write_sample_release


def test_layout_counts_and_ground_truth(tmp_path):
    root = write_sample_release(tmp_path, image_size=16, per_folder=2, seed=0)
    assert len(list((root / "subtask1" / "train" / "real_used").glob("*.png"))) == 2
    assert len(list((root / "subtask2" / "train" / "generated" / "gen_t5").glob("*.png"))) == 2
    truth = pd.read_csv(root / "ground_truth" / "subtask2_test.csv", dtype={"image_id": str})
    assert len(truth) == 10 and truth["subset"].value_counts().eq(2).all()
    truth1 = pd.read_csv(root / "ground_truth" / "subtask1_test.csv")
    assert truth1["label"].sum() == 2 and len(truth1) == 4


def test_same_seed_same_bytes_and_rerun_is_skipped(tmp_path):
    a = write_sample_release(tmp_path / "a", image_size=16, per_folder=2, seed=5)
    b = write_sample_release(tmp_path / "b", image_size=16, per_folder=2, seed=5)
    files = sorted(p.relative_to(a) for p in a.rglob("*.png"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.png"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    marker_time = (a / MARKER_NAME).stat().st_mtime_ns
    write_sample_release(a, image_size=16, per_folder=2, seed=5)
    assert (a / MARKER_NAME).stat().st_mtime_ns == marker_time


def test_other_settings_replace_an_earlier_sample(tmp_path):
    write_sample_release(tmp_path, image_size=16, per_folder=3, seed=0)
    write_sample_release(tmp_path, image_size=16, per_folder=2, seed=0)
    assert len(list((tmp_path / "subtask2" / "test" / "generated_unknown").glob("*.png"))) == 10


def test_refuses_to_overwrite_user_data(tmp_path):
    (tmp_path / "subtask1").mkdir()
    (tmp_path / "subtask1" / "mine.png").write_bytes(b"precious")
    with pytest.raises(TargetNotEmptyError, match="refusing to overwrite"):
        write_sample_release(tmp_path, image_size=16, per_folder=2)
    assert (tmp_path / "subtask1" / "mine.png").read_bytes() == b"precious"
