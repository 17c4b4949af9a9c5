import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from gans_fingerprints.datasets import ImageFolderDataset, ImageStackDataset, OptionalCSVDataset


def test_image_folder_lists_files_lazily_and_reports_empty_folders(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    Image.fromarray(np.full((4, 4), 9, dtype=np.uint8)).save(tmp_path / "a" / "b" / "x.png")
    (tmp_path / "a" / "broken.png").write_bytes(b"")
    folder = ImageFolderDataset(path=str(tmp_path)).load()
    assert folder.exists
    assert set(folder.files) == {"a/b/x.png", "a/broken.png"}
    assert {"a", "a/b", "empty"} <= folder.directories
    assert np.asarray(folder.files["a/b/x.png"]())[0, 0] == 9
    with pytest.raises(Exception):  # decoding is deferred until the loader is called
        folder.files["a/broken.png"]()
    assert folder.location("a/b/x.png") == f"{tmp_path}/a/b/x.png"


def test_image_folder_missing_path_is_not_an_error(tmp_path):
    folder = ImageFolderDataset(path=str(tmp_path / "absent")).load()
    assert not folder.exists and folder.files == {}


def test_image_folder_is_read_only(tmp_path):
    with pytest.raises(DatasetError, match="read-only"):
        ImageFolderDataset(path=str(tmp_path)).save({})


def test_image_stack_round_trip_is_memory_mapped(tmp_path):
    dataset = ImageStackDataset(filepath=str(tmp_path / "s.npy"))
    stack = np.random.default_rng(0).integers(0, 256, (5, 8, 8), dtype=np.uint8)
    dataset.save(stack)
    loaded = dataset.load()
    assert isinstance(loaded, np.memmap)
    assert not loaded.flags.writeable
    assert np.array_equal(loaded, stack)
    assert not (tmp_path / "s.npy.partial").exists()


def test_image_stack_saves_empty_split(tmp_path):
    dataset = ImageStackDataset(filepath=str(tmp_path / "s.npy"))
    dataset.save(np.zeros((0, 8, 8), dtype=np.uint8))
    assert dataset.load().shape == (0, 8, 8)


def test_image_stack_rejects_float_data_and_names_missing_file(tmp_path):
    dataset = ImageStackDataset(filepath=str(tmp_path / "s.npy"))
    with pytest.raises(DatasetError, match="uint8"):
        dataset.save(np.zeros((1, 2, 2), dtype=np.float32))
    with pytest.raises(DatasetError, match="ingestion"):
        dataset.load()


def test_optional_csv(tmp_path):
    path = tmp_path / "gt.csv"
    dataset = OptionalCSVDataset(filepath=str(path), required_columns=["image_id", "label"], load_args={"dtype": {"image_id": str}})
    assert dataset.load() is None
    path.write_text("image_id,label\n0001,1\n")
    table = dataset.load()
    assert table["image_id"].tolist() == ["0001"], "ids keep their leading zeros"
    assert table.attrs["source"] == str(path)
    path.write_text("id,lbl\n1,1\n")
    with pytest.raises(DatasetError, match=r"gt\.csv lacks column"):
        dataset.load()


def test_image_folder_follows_linked_folders_once(tmp_path):
    source = tmp_path / "download" / "t1"
    source.mkdir(parents=True)
    Image.new("L", (4, 4)).save(source / "a.png")
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "real" / "t1").symlink_to(source, target_is_directory=True)
    (source / "cycle").symlink_to(root, target_is_directory=True)
    folder = ImageFolderDataset(path=str(root)).load()
    assert "real/t1" in folder.directories
    assert "real/t1/a.png" in folder.files
    assert not any(name.startswith("real/t1/cycle/real") for name in folder.files), "link cycles are not followed"
