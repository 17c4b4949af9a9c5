"""Unit tests of the test ground-truth checks, before decoding (listed files) and after (manifests)."""

from __future__ import annotations

import logging

import pytest
from PIL import Image

from gans_fingerprints.pipelines.ingestion.common import IngestionError
from gans_fingerprints.pipelines.ingestion.ground_truth import validate_subtask1_truth, validate_subtask2_truth
from gans_fingerprints.pipelines.ingestion.nodes import ingest_split
from tests.pipelines.ingestion.harness import PARAMS, SPLIT, ingest, start
from tests.pipelines.ingestion.harness import truth_table as _truth


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
