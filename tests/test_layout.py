import pytest

from gans_fingerprints.layout import (
    SPLITS,
    expected_folders,
    image_id,
    is_image_file,
    is_known_stray_file,
    natural_key,
    run_file_id_problem,
)


def test_image_files_are_png_or_jpeg_in_any_case():
    assert is_image_file("a.png") and is_image_file("B.JPG") and is_image_file("c.jpeg")
    assert not is_image_file("d.tif") and not is_image_file("notes.txt")
    assert not is_image_file("._a.png"), "macOS AppleDouble files are not images"


def test_stray_files():
    for name in (".DS_Store", "Thumbs.db", "readme.txt", "._x.png"):
        assert is_known_stray_file(name)
    assert not is_known_stray_file("x.png")


def test_image_id_drops_only_the_last_extension():
    assert image_id("generated_0001.png") == "generated_0001"
    assert image_id("a.b.jpeg") == "a.b"


def test_natural_order():
    names = ["img10", "img2", "img1"]
    assert sorted(names, key=natural_key) == ["img1", "img2", "img10"]


def test_subtask2_train_folders_follow_found_generated_names():
    split = next(s for s in SPLITS if s.key == "subtask2_train")
    folders = expected_folders(split, ["t1", "t2"], {"t1": "t1"})
    dirs = [f.relative_dir for f in folders]
    assert dirs == ["train/real/t1", "train/real/t2", "train/generated/t1", "train/generated/gen_t2"]
    assert {f.subset for f in folders} == {"t1", "t2"}
    assert [f.role for f in folders] == ["real", "real", "generated", "generated"]


def test_subtask1_train_memberships():
    split = next(s for s in SPLITS if s.key == "subtask1_train")
    memberships = {f.relative_dir: f.membership for f in expected_folders(split, [], {})}
    assert memberships == {"train/real_used": "used", "train/real_not_used": "not_used", "train/generated": None}


@pytest.mark.parametrize("identifier", ["a,b", 'a"b', " a", "a ", "a\nb", "a\x0bb", "a\u2028b", "a\x00b", "a\tb"])
def test_ids_that_cannot_go_into_a_run_file(identifier):
    assert run_file_id_problem(identifier) is not None
    assert run_file_id_problem("real_unknown_0001") is None and run_file_id_problem("scan é 2") is None
