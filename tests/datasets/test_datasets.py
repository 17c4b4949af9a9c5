import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from gans_fingerprints.datasets import (
    ImageFolderDataset,
    ImageStackDataset,
    OptionalCSVDataset,
)


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
    with pytest.raises(DatasetError):  # decoding is deferred until the loader is called
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


def test_a_folder_reached_by_two_paths_is_listed_under_both(tmp_path):
    """Issue 16 item 5: the second link to one folder was reported as 'does not exist'."""
    source = tmp_path / "download" / "t1"
    source.mkdir(parents=True)
    Image.new("L", (4, 4)).save(source / "a.png")
    root = tmp_path / "root"
    root.mkdir()
    (root / "first").symlink_to(source, target_is_directory=True)
    (root / "second").symlink_to(source, target_is_directory=True)
    folder = ImageFolderDataset(path=str(root)).load()
    assert {"first", "second"} <= folder.directories
    assert {"first/a.png", "second/a.png"} <= set(folder.files)


def test_broken_links_are_reported_with_their_target(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "gone").symlink_to(tmp_path / "nowhere", target_is_directory=True)
    folder = ImageFolderDataset(path=str(root)).load()
    assert folder.broken_links == {"gone": str(tmp_path / "nowhere")}
    assert "gone" not in folder.directories


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", r"gt\.csv is empty; it needs the header line 'image_id,label'"),
        ("0001,1\n0002,0\n", r"gt\.csv lacks column\(s\) \['image_id', 'label'\] .*must be the header 'image_id,label'"),
        ("image_id,label\n0001,1\n0002,0,7\n", r"gt\.csv: line\(s\) \[3\] have another number of fields"),
        ("image_id,label\n0001,1\n0002\n\n0003\n", r"gt\.csv: line\(s\) \[3, 5\] have another number of fields"),
        ("image_id,label\n\n0001,1\n0002,\n", r"gt\.csv: line\(s\) \[4\] lack a value"),
    ],
    ids=["zero_bytes", "no_header", "extra_field", "missing_field", "empty_value"],
)
def test_malformed_table_files_are_one_user_error(tmp_path, content, match):
    _assert_table_error(tmp_path, content.encode(), match)


def test_tables_that_are_not_utf8_or_broken_links_are_one_user_error(tmp_path):
    _assert_table_error(tmp_path, "image_id,label\nrésumé,1\n".encode("latin-1"), r"is not UTF-8 text")
    (tmp_path / "gt.csv").unlink()
    (tmp_path / "gt.csv").symlink_to(tmp_path / "elsewhere.csv")
    _assert_table_error(tmp_path, None, r"gt\.csv is a link to .*elsewhere\.csv, which does not exist")


def test_na_like_ids_stay_ids(tmp_path):
    path = tmp_path / "gt.csv"
    path.write_text("image_id,label\nNA,1\nNone,0\n")
    table = OptionalCSVDataset(filepath=str(path), required_columns=["image_id", "label"], load_args={"dtype": {"image_id": str}}).load()
    assert table["image_id"].tolist() == ["NA", "None"]


def _assert_table_error(tmp_path, content, match):
    from gans_fingerprints.datasets.optional_csv import TableFileError
    from gans_fingerprints.errors import UserInputError

    path = tmp_path / "gt.csv"
    if content is not None:
        path.write_bytes(content)
    dataset = OptionalCSVDataset(filepath=str(path), required_columns=["image_id", "label"], load_args={"dtype": {"image_id": str}})
    with pytest.raises(TableFileError, match=match) as error:
        dataset.load()
    assert isinstance(error.value, UserInputError) and "\n" not in str(error.value)


def test_image_stacks_work_off_the_local_disk():
    """An fsspec URL (here the in-memory filesystem) instead of a local path: read whole, written in one piece."""
    import fsspec

    stack = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    dataset = ImageStackDataset(filepath="memory://project/stack.npy")
    assert not dataset.exists()
    dataset.save(stack)
    assert dataset.exists() and fsspec.filesystem("memory").exists("/project/stack.npy")
    assert np.array_equal(dataset.load(), stack)


def test_the_release_refuses_a_remote_root_saying_why():
    import pytest

    from gans_fingerprints.datasets.release import ReleaseDataset
    from gans_fingerprints.errors import UserInputError

    with pytest.raises(UserInputError, match="not a local folder: the benchmark writes its release only to a local disk"):
        ReleaseDataset(path="s3://bucket/release")
