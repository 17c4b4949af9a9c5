"""Run files: one ``<image_id>,<label>`` line per test image, in natural order, checked rule by rule."""

import pytest

from gans_fingerprints.evaluation.run_files import RunFileError, format_run_file, validate_run_file


def test_run_file_format_and_every_rule():
    text = format_run_file(["img10", "img2", "img1"], ["t1", "t2", "t3"])
    assert text == "img1,t3\nimg2,t2\nimg10,t1\n"
    ids, labels = ["img1", "img2", "img10"], ["t1", "t2", "t3"]
    validate_run_file(text, ids, labels, "run.csv")
    validate_run_file(" img1 , t3\nimg2,t2\nimg10,t1", ids, labels, "run.csv")  # whitespace is stripped
    cases = {
        "image_id,subset\nimg1,t3\nimg2,t2\nimg10,t1\n": "line 1: 'image_id' is not a test image id",
        "img1,t3,extra\n": "line 1: expected",
        "img1.png,t3\n": "ids carry no file extension",
        "img1,t3\nimg1,t2\n": "line 2: 'img1' appears a second time",
        "img1,t9\n": "label 't9' is not one of",
        "img1,t3\nimg2,t2\n": "1 test image",
    }
    for bad, message in cases.items():
        with pytest.raises(RunFileError, match=message):
            validate_run_file(bad, ids, labels, "run.csv")
    with pytest.raises(RunFileError, match=r"label '1\.0'"):
        validate_run_file("a,1.0\n", ["a"], ["0", "1"], "s1.csv")
