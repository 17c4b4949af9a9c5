"""Unit tests of finding the layout: missing, linked, ambiguous and empty folders, stray files and ids."""

from __future__ import annotations

import logging
import shutil

import pytest
from PIL import Image

from gans_fingerprints.pipelines.ingestion.common import IngestionError
from tests.pipelines.ingestion.harness import ingest


def test_missing_expected_folder_names_path_and_readme(sample_root):
    shutil.rmtree(sample_root / "subtask1" / "train" / "real_not_used")
    with pytest.raises(IngestionError) as error:
        ingest(sample_root, "subtask1_train")
    message = str(error.value)
    assert str(sample_root / "subtask1" / "train" / "real_not_used") in message
    assert "README.md, section 'Data layout'" in message


def test_empty_subset_folder_is_an_error(sample_root):
    folder = sample_root / "subtask2" / "train" / "real" / "t3"
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00")
    with pytest.raises(IngestionError, match=r"real/t3 holds no PNG or JPEG images"):
        ingest(sample_root, "subtask2_train")


def test_stray_files_are_ignored_with_a_debug_line(sample_root, caplog):
    folder = sample_root / "subtask1" / "train" / "generated"
    for name in (".DS_Store", "Thumbs.db", "notes.txt", "._generated_0001.png"):
        (folder / name).write_bytes(b"junk")
    with caplog.at_level(logging.DEBUG, logger="gans_fingerprints"):
        manifest, _, summary = ingest(sample_root, "subtask1_train")
    assert summary["bad_images"] == 0 and summary["folders"]["train/generated"]["ignored"] == 4
    assert len(manifest) == 12
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG and "stray" in r.getMessage()]
    assert len(debug) == 4
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_unsupported_and_unexpected_files_are_counted(sample_root):
    (sample_root / "subtask1" / "train" / "generated" / "scan.tif").write_bytes(b"II*")
    extra = sample_root / "subtask1" / "train" / "extra_folder"
    extra.mkdir()
    Image.new("L", (32, 32)).save(extra / "lost.png")
    _, _, summary = ingest(sample_root, "subtask1_train")
    assert summary["unexpected_files"] == 2
    assert set(summary["unexpected_file_list"]) == {"train/generated/scan.tif", "train/extra_folder/lost.png"}


def test_generated_folder_may_be_named_tk(sample_root):
    generated = sample_root / "subtask2" / "train" / "generated"
    (generated / "gen_t2").rename(generated / "t2")
    manifest, _, _ = ingest(sample_root, "subtask2_train")
    folders = manifest.loc[(manifest["role"] == "generated") & (manifest["subset"] == "t2"), "folder"]
    assert set(folders) == {"train/generated/t2"} and len(folders) == 3


def test_both_gen_tk_and_tk_is_ambiguous(sample_root):
    generated = sample_root / "subtask2" / "train" / "generated"
    shutil.copytree(generated / "gen_t2", generated / "t2")
    with pytest.raises(IngestionError, match=r"Both .*gen_t2 and .*t2 exist"):
        ingest(sample_root, "subtask2_train")


def test_duplicate_ids_in_a_folder_are_an_error(sample_root):
    folder = sample_root / "subtask2" / "test" / "generated_unknown"
    Image.new("L", (32, 32)).save(folder / "00001.jpg")
    with pytest.raises(IngestionError, match="share the image id '00001'"):
        ingest(sample_root, "subtask2_test")


def test_a_broken_folder_link_is_named_as_such(sample_root, tmp_path):
    folder = sample_root / "subtask1" / "train" / "real_used"
    shutil.rmtree(folder)
    folder.symlink_to(tmp_path / "moved_away", target_is_directory=True)
    with pytest.raises(IngestionError, match=r"real_used is a link to .*moved_away, which does not exist \(a broken link\)"):
        ingest(sample_root, "subtask1_train")


def test_a_folder_linked_twice_is_ingested_twice(sample_root):
    """Two layout folders may be links to one download folder; neither is 'missing'."""
    target = sample_root / "subtask2" / "train" / "real" / "t1"
    for subset in ("t2", "t3"):
        shutil.rmtree(sample_root / "subtask2" / "train" / "real" / subset)
        (sample_root / "subtask2" / "train" / "real" / subset).symlink_to(target, target_is_directory=True)
    manifest, _, _ = ingest(sample_root, "subtask2_train")
    assert manifest[manifest["role"] == "real"].groupby("subset").size().to_dict() == dict.fromkeys(["t1", "t2", "t3", "t4", "t5"], 3)


@pytest.mark.parametrize("name", ["a,b.png", " padded.png", "padded .png"])
def test_ids_that_cannot_go_into_a_run_file_are_refused_at_ingestion(sample_root, name):
    Image.new("L", (32, 32)).save(sample_root / "subtask2" / "test" / "generated_unknown" / name)
    with pytest.raises(IngestionError, match=r"cannot go into a run file: .*Rename the file"):
        ingest(sample_root, "subtask2_test")


def test_hidden_files_are_not_images(sample_root, caplog):
    folder = sample_root / "subtask2" / "test" / "generated_unknown"
    for name in (".hidden.png", ".png"):
        Image.new("L", (32, 32)).save(folder / name, format="PNG")
    with caplog.at_level(logging.WARNING, logger="gans_fingerprints"):
        manifest, _, summary = ingest(sample_root, "subtask2_test")
    assert len(manifest) == 15 and not manifest["image_id"].str.startswith(".").any()
    assert summary["folders"]["test/generated_unknown"]["ignored"] == 2
    assert sum("Ignoring hidden file" in r.getMessage() for r in caplog.records) == 2
