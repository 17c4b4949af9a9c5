"""Unit tests of the ingestion nodes, including every bad-input case of the foundation issue."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gans_fingerprints.datasets import (
    ImageFolderDataset,
    OptionalCSVDataset,
    RawDataRootDataset,
)
from gans_fingerprints.layout import SPLITS
from gans_fingerprints.pipelines.ingestion.nodes import (
    MANIFEST_COLUMNS,
    IngestionError,
    build_ingestion_report,
    ingest_split,
    start_ingestion,
    validate_subtask1_truth,
    validate_subtask2_truth,
)

PARAMS = {"image_size": 32, "max_bad_fraction": 0.5, "subsets": ["t1", "t2", "t3", "t4", "t5"]}
SPLIT = {split.key: split for split in SPLITS}


def start(root: Path, with_truth: bool = False, **overrides):
    """What the pipeline's first node returns for ``root``: the run and every split's files.

    Ground truth is left out unless asked for: most tests here change the test folders.
    """
    folders = {subtask: ImageFolderDataset(path=str(root / subtask)).load() for subtask in ("subtask1", "subtask2")}
    truths = [_truth(root, f"{s}_test.csv", []) if with_truth else None for s in ("subtask1", "subtask2")]
    raw = RawDataRootDataset(path=str(root)).load()
    return start_ingestion(raw, folders["subtask1"], folders["subtask2"], *truths, {**PARAMS, **overrides})


def ingest(root: Path, key: str, **overrides):
    return ingest_split(start(root, **overrides), {**PARAMS, **overrides}, split=SPLIT[key])


def test_ingests_every_split_in_natural_order(sample_root):
    for key in SPLIT:
        manifest, stack, summary = ingest(sample_root, key)
        assert list(manifest.columns) == list(MANIFEST_COLUMNS)
        assert stack.dtype == np.uint8 and stack.shape == (len(manifest), 32, 32)
        assert manifest["stack_index"].tolist() == list(range(len(manifest)))
        assert summary["status"] == "ingested" and summary["bad_images"] == 0
    manifest, stack, _ = ingest(sample_root, "subtask2_train")
    assert len(manifest) == 30
    assert manifest.groupby(["role", "subset"]).size().eq(3).all()
    first = manifest.iloc[0]
    pixels = np.asarray(Image.open(sample_root / first["relative_path"]))
    assert np.array_equal(stack[0], pixels)
    s1, _, _ = ingest(sample_root, "subtask1_train")
    assert s1.groupby("membership", dropna=False).size().to_dict() == {"not_used": 3, "used": 3, pd.NA: 6}


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


def test_bad_files_are_skipped_warned_and_counted(sample_root, caplog):
    folder = sample_root / "subtask2" / "train" / "real" / "t1"
    (folder / "zero.png").write_bytes(b"")
    (folder / "text.png").write_text("not an image")
    good = (folder / "t1_0001.png").read_bytes()
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])
    with caplog.at_level(logging.WARNING):
        manifest, stack, summary = ingest(sample_root, "subtask2_train", max_bad_fraction=0.6)
    assert summary["bad_images"] == 3
    assert summary["folders"]["train/real/t1"]["bad"] == 3
    assert {Path(entry["path"]).name for entry in summary["bad_files"]} == {"zero.png", "text.png", "truncated.png"}
    for name in ("zero.png", "text.png", "truncated.png"):
        assert any(name in record.getMessage() for record in caplog.records)
    assert len(manifest) == 30 and len(stack) == 30


def test_too_many_bad_files_fail_the_run(sample_root):
    folder = sample_root / "subtask2" / "train" / "real" / "t1"
    (folder / "zero.png").write_bytes(b"")
    with pytest.raises(IngestionError, match=r"1 of 4 images .*real/t1.*max_bad_fraction=0\.2"):
        ingest(sample_root, "subtask2_train", max_bad_fraction=0.2)


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


def test_colour_palette_and_16_bit_images_are_converted(sample_root):
    folder = sample_root / "subtask1" / "test" / "generated"
    rgb = np.zeros((32, 32, 3), dtype=np.uint8)
    rgb[..., 1] = 100
    Image.fromarray(rgb, "RGB").save(folder / "zz_rgb.png")
    Image.fromarray(np.dstack([rgb, np.full((32, 32), 255, np.uint8)]), "RGBA").save(folder / "zz_rgba.png")
    Image.fromarray(rgb, "RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(folder / "zz_palette.png")
    Image.fromarray(np.full((32, 32), 65535, dtype=np.uint16)).save(folder / "zz_16bit.png")
    Image.fromarray(rgb, "RGB").save(folder / "zz_colour.jpg", quality=95)
    manifest, stack, summary = ingest(sample_root, "subtask1_test")
    rows = manifest.set_index("image_id")
    assert summary["bad_images"] == 0
    assert set(summary["converted_modes"]) >= {"RGB", "RGBA", "P"}
    assert stack[rows.loc["zz_16bit", "stack_index"]].min() == 255
    green_luma = round(0.587 * 100)
    for name in ("zz_rgb", "zz_rgba", "zz_palette"):
        assert abs(int(stack[rows.loc[name, "stack_index"]].mean()) - green_luma) <= 1


def test_other_sizes_are_resized_with_a_counted_warning(sample_root, caplog):
    folder = sample_root / "subtask2" / "test" / "generated_unknown"
    Image.new("L", (48, 40), 77).save(folder / "99999.png")
    with caplog.at_level(logging.WARNING):
        manifest, stack, summary = ingest(sample_root, "subtask2_test")
    row = manifest.set_index("image_id").loc["99999"]
    assert bool(row["resized"]) and (row["width"], row["height"]) == (48, 40)
    assert stack[row["stack_index"]].shape == (32, 32) and int(stack[row["stack_index"]].mean()) == 77
    assert summary["resized_from"] == {"48x40": 1}
    assert any("Resized 1 image(s)" in r.getMessage() for r in caplog.records)


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


def test_missing_subtask_yields_empty_outputs(sample_root, caplog):
    shutil.rmtree(sample_root / "subtask1")
    with caplog.at_level(logging.WARNING):
        manifest, stack, summary = ingest(sample_root, "subtask1_test")
    assert manifest.empty and list(manifest.columns) == list(MANIFEST_COLUMNS)
    assert stack.shape == (0, 32, 32)
    assert summary["status"] == "absent"
    assert any("No subtask1 folder" in r.getMessage() for r in caplog.records)


def test_duplicate_ids_in_a_folder_are_an_error(sample_root):
    folder = sample_root / "subtask2" / "test" / "generated_unknown"
    Image.new("L", (32, 32)).save(folder / "00001.jpg")
    with pytest.raises(IngestionError, match="share the image id '00001'"):
        ingest(sample_root, "subtask2_test")


def _truth(root: Path, name: str, columns: list[str]) -> pd.DataFrame | None:
    load_args = {"dtype": {"image_id": str}, "skipinitialspace": True}
    path = root / "ground_truth" / name
    return OptionalCSVDataset(filepath=str(path), required_columns=columns, load_args=load_args).load()


def test_ground_truth_is_checked_and_sorted(sample_root):
    manifest1, _, _ = ingest(sample_root, "subtask1_test")
    truth1 = validate_subtask1_truth(manifest1, _truth(sample_root, "subtask1_test.csv", ["image_id", "label"]))
    assert len(truth1) == 6 and set(truth1["label"]) == {0, 1} and truth1["label"].sum() == 3
    manifest2, _, _ = ingest(sample_root, "subtask2_test")
    truth2 = validate_subtask2_truth(manifest2, _truth(sample_root, "subtask2_test.csv", ["image_id", "subset"]), PARAMS)
    assert truth2["image_id"].tolist() == sorted(manifest2["image_id"].tolist())
    assert truth2["subset"].value_counts().eq(3).all()


def test_absent_ground_truth_gives_an_empty_table(sample_root):
    manifest1, _, _ = ingest(sample_root, "subtask1_test")
    assert validate_subtask1_truth(manifest1, None).empty


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("image_id,label\nreal_unknown_0001,2\n", r"label must be one of \[0, 1\] .* line"),
        ("image_id,label\nreal_unknown_0001,1\nreal_unknown_0001,0\n", "more than once"),
        ("image_id,label\nnobody,1\n", "not among the images"),
    ],
)
def test_bad_subtask1_ground_truth(sample_root, content, match):
    (sample_root / "ground_truth" / "subtask1_test.csv").write_text(content)
    manifest, _, _ = ingest(sample_root, "subtask1_test")
    truth = _truth(sample_root, "subtask1_test.csv", ["image_id", "label"])
    if match.startswith("label must"):  # complete the file so only the label is wrong
        ids = manifest.loc[manifest["role"] == "real", "image_id"].tolist()
        rows = ["image_id,label", f"{ids[0]},2"] + [f"{i},0" for i in ids[1:]]
        (sample_root / "ground_truth" / "subtask1_test.csv").write_text("\n".join(rows) + "\n")
        truth = _truth(sample_root, "subtask1_test.csv", ["image_id", "label"])
    with pytest.raises(IngestionError, match=match):
        validate_subtask1_truth(manifest, truth)


def test_unknown_subset_in_ground_truth(sample_root):
    manifest, _, _ = ingest(sample_root, "subtask2_test")
    truth = _truth(sample_root, "subtask2_test.csv", ["image_id", "subset"])
    truth.loc[0, "subset"] = "t9"
    with pytest.raises(IngestionError, match=r"subset must be one of .* line\(s\) \[2\]"):
        validate_subtask2_truth(manifest, truth, PARAMS)


def test_report_flags_train_test_leakage(sample_root):
    shutil.copy(
        sample_root / "subtask2" / "train" / "generated" / "gen_t1" / "gen_t1_0001.png",
        sample_root / "subtask2" / "test" / "generated_unknown" / "leaked.png",
    )
    outputs = {key: ingest(sample_root, key) for key in SPLIT}
    empty1 = pd.DataFrame({"image_id": [], "label": []})
    empty2 = pd.DataFrame({"image_id": [], "subset": []})
    report = build_ingestion_report(
        *(outputs[key][2] for key in SPLIT), *(outputs[key][0] for key in SPLIT), empty1, empty2
    )
    assert report["leakage_train_test"]["subtask2"]["count"] == 1
    assert report["leakage_train_test"]["subtask2"]["pairs"] == [
        {"test": "subtask2/test/generated_unknown/leaked.png", "train": "subtask2/train/generated/gen_t1/gen_t1_0001.png"}
    ]
    assert report["leakage_train_test"]["subtask1"]["count"] == 0
    assert report["totals"]["images"] == sum(len(outputs[key][0]) for key in SPLIT)


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


def test_skip_reasons_carry_no_memory_address(sample_root):
    (sample_root / "subtask2" / "test" / "generated_unknown" / "broken.png").write_bytes(b"not an image at all")
    _, _, summary = ingest(sample_root, "subtask2_test")
    reason = summary["bad_files"][0]["reason"]
    assert "cannot identify image file" in reason and "0x" not in reason


def test_every_split_is_checked_before_any_is_written(sample_root):
    """Layout and ground-truth problems of any split stop the first node, so no split is replaced."""
    shutil.rmtree(sample_root / "subtask2" / "test" / "generated_unknown")
    with pytest.raises(IngestionError, match="generated_unknown does not exist"):
        start(sample_root)


def test_ground_truth_is_checked_against_the_listed_files_first(sample_root):
    path = sample_root / "ground_truth" / "subtask2_test.csv"
    original = path.read_text()
    path.write_text(original.replace("\n00001,", "\n99999,"))
    with pytest.raises(IngestionError, match=r"1 id\(s\) not among the images \(e\.g\. \['99999'\]\), 1 image\(s\) without"):
        start(sample_root, with_truth=True)
    path.write_text(original)
    Image.new("L", (32, 32)).save(sample_root / "subtask2" / "test" / "generated_unknown" / "unlabelled.png")
    with pytest.raises(IngestionError, match=r"1 image\(s\) without a label \(e\.g\. \['unlabelled'\]\)"):
        start(sample_root, with_truth=True)


def test_labels_of_images_skipped_as_unreadable_are_dropped(sample_root, caplog):
    (sample_root / "subtask2" / "test" / "generated_unknown" / "00001.png").write_bytes(b"unreadable")
    run = start(sample_root, with_truth=True)  # listed, so labelled: fine before decoding
    manifest, _, _ = ingest_split(run, PARAMS, split=SPLIT["subtask2_test"])
    with caplog.at_level(logging.WARNING, logger="gans_fingerprints"):
        truth = validate_subtask2_truth(manifest, _truth(sample_root, "subtask2_test.csv", ["image_id", "subset"]), PARAMS)
    assert len(truth) == 14 and "00001" not in set(truth["image_id"])
    assert "Dropping the labels of 1 test image(s) skipped as unreadable" in caplog.text
