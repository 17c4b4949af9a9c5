"""The release writer never loses a user's file: it removes only what it recorded writing, and refuses links."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gans_fingerprints.datasets import release as release_module
from gans_fingerprints.datasets.release import (
    MARKER_NAME,
    ReleaseDataset,
    TargetNotEmptyError,
)
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import checksums


@pytest.fixture
def built(tmp_path: Path) -> Path:
    return write_sample_release(tmp_path / "raw", image_size=16, per_folder=2, seed=0)


@pytest.mark.parametrize(
    "own_file",
    ["subtask1/test/real_unknown/my_scan.png", "ground_truth/my_labels.csv", "subtask2/notes/readme.md"],
)
def test_rebuild_refuses_and_changes_nothing_when_the_user_added_a_file(built, own_file):
    (built / own_file).parent.mkdir(parents=True, exist_ok=True)
    (built / own_file).write_bytes(b"the user's own data")
    before = checksums(built)
    with pytest.raises(TargetNotEmptyError, match=f"{own_file} was not written by this project"):
        write_sample_release(built, image_size=16, per_folder=2, seed=1)
    assert checksums(built) == before


def test_a_file_the_user_replaced_counts_as_theirs(built):
    image = next((built / "subtask2/train/real/t1").glob("*.png"))
    image.write_bytes(b"replaced by the user")
    before = checksums(built)
    with pytest.raises(TargetNotEmptyError, match="changed since this project wrote it"):
        write_sample_release(built, image_size=16, per_folder=2, seed=1)
    assert checksums(built) == before


def test_rebuild_removes_only_recorded_files(built):
    (built / "my_notes.txt").write_text("outside the layout")
    write_sample_release(built, image_size=16, per_folder=1, seed=1)
    assert (built / "my_notes.txt").read_text() == "outside the layout"
    marker = json.loads((built / MARKER_NAME).read_text())
    on_disk = {k for k in checksums(built) if k not in (MARKER_NAME, "my_notes.txt")}
    assert on_disk == set(marker["files"]), "every file under the layout is one the new build recorded"
    assert len(list((built / "subtask2/train/real/t1").glob("*.png"))) == 1


def test_a_layout_of_folder_links_is_refused(tmp_path):
    release = write_sample_release(tmp_path / "release", image_size=16, per_folder=2, seed=0)
    (release / MARKER_NAME).unlink()  # the user's data: no marker of ours
    root = tmp_path / "linked"
    root.mkdir()
    (root / "subtask1").symlink_to(release / "subtask1", target_is_directory=True)
    (root / "subtask2").symlink_to(release / "subtask2", target_is_directory=True)
    before, linked_before = checksums(root), checksums(release)
    with pytest.raises(TargetNotEmptyError, match=r"is a link to .*links are your data"):
        write_sample_release(root, image_size=16, per_folder=2, seed=1)
    assert checksums(root) == before and checksums(release) == linked_before
    assert not (root / "ground_truth").exists() and not (root / MARKER_NAME).exists()


def test_a_linked_folder_deep_inside_a_build_is_refused(built, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "scan.png").write_bytes(b"x")
    (built / "subtask2/train/real/t6").symlink_to(mine, target_is_directory=True)
    with pytest.raises(TargetNotEmptyError, match="t6 is a link"):
        write_sample_release(built, image_size=16, per_folder=2, seed=1)
    assert (mine / "scan.png").read_bytes() == b"x"


def interrupt_a_build(root: Path, monkeypatch: pytest.MonkeyPatch, images_written: int) -> None:
    """Start a rebuild of ``root`` and cut it off after ``images_written`` images were encoded."""
    original = release_module._png_bytes
    calls = {"n": 0}

    def power_cut(pixels):
        calls["n"] += 1
        if calls["n"] > images_written:
            raise OSError("power cut")
        return original(pixels)

    with monkeypatch.context() as patch:
        patch.setattr(release_module, "_png_bytes", power_cut)
        with pytest.raises(Exception, match="power cut"):  # Kedro wraps it in a DatasetError
            write_sample_release(root, image_size=16, per_folder=3, seed=2)


def test_an_interrupted_write_is_rebuilt_without_leftovers(built, monkeypatch):
    interrupt_a_build(built, monkeypatch, images_written=5)
    assert json.loads((built / MARKER_NAME).read_text())["complete"] is False
    write_sample_release(built, image_size=16, per_folder=1, seed=3)
    marker = json.loads((built / MARKER_NAME).read_text())
    assert marker["complete"] is True
    assert {k for k in checksums(built) if k != MARKER_NAME} == set(marker["files"])


def test_a_user_file_at_a_path_an_interrupted_build_had_not_reached_is_kept(built, monkeypatch):
    interrupt_a_build(built, monkeypatch, images_written=3)
    mine = built / "subtask2/test/generated_unknown/00001.png"
    assert not mine.exists()
    mine.write_bytes(b"the user's scan, put where the build had not written yet")
    before = checksums(built)
    with pytest.raises(TargetNotEmptyError, match=r"00001\.png was not written by this project"):
        write_sample_release(built, image_size=16, per_folder=1, seed=3)
    assert checksums(built) == before


def test_a_copied_release_is_still_recognised(built, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)  # new modification times, same content
    target = ReleaseDataset(path=str(copy)).load()
    assert target.problems == () and target.missing == 0
    assert target.holds("sample_release", target.marker["settings"])


def test_a_deleted_file_makes_the_release_out_of_date(built):
    next((built / "subtask1/train/generated").glob("*.png")).unlink()
    target = ReleaseDataset(path=str(built)).load()
    assert target.missing == 1 and not target.holds("sample_release", target.marker["settings"])
    write_sample_release(built, image_size=16, per_folder=2, seed=0)  # rebuilt, nothing of the user's lost
    assert len(list((built / "subtask1/train/generated").glob("*.png"))) == 4


def test_a_marker_from_an_older_version_is_refused(built):
    marker = json.loads((built / MARKER_NAME).read_text())
    del marker["files"]
    (built / MARKER_NAME).write_text(json.dumps(marker))
    with pytest.raises(TargetNotEmptyError, match="older version"):
        write_sample_release(built, image_size=16, per_folder=2, seed=1)
