"""Subtask-2 steps every method shares: the run file, and the evaluation against ground truth."""

import pandas as pd
import pytest

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.run_files import RunFileError
from gans_fingerprints.evaluation.subtask2 import evaluate_subtask2, make_subtask2_run_file

SUBSETS = ["t1", "t2"]
TEST = pd.DataFrame({"image_id": ["img2", "img10", "img1"]})
PREDICTIONS = pd.DataFrame({"image_id": ["img10", "img2", "img1"], "subset": ["t1", "t2", "t2"]})


def test_the_run_file_is_in_natural_order_and_covers_the_test_folder():
    assert make_subtask2_run_file(PREDICTIONS, TEST, SUBSETS, "toy") == "img1,t2\nimg2,t2\nimg10,t1\n"
    with pytest.raises(RunFileError, match="1 test image"):
        make_subtask2_run_file(PREDICTIONS.iloc[:2], TEST, SUBSETS, "toy")
    with pytest.raises(RunFileError, match="label 't9' is not one of"):
        make_subtask2_run_file(PREDICTIONS.assign(subset=["t1", "t9", "t2"]), TEST, SUBSETS, "toy")


def test_evaluation_scores_the_test_set_when_it_has_ground_truth_and_shows_validation_otherwise():
    truth = pd.DataFrame({"image_id": ["img1", "img2", "img10"], "subset": ["t2", "t2", "t2"]})
    metrics, figure = evaluate_subtask2(PREDICTIONS, truth, {}, SUBSETS, "toy")
    assert metrics["ground_truth"] is True and metrics["accuracy"] == pytest.approx(2 / 3)
    assert metrics["confusion_matrix"] == [[0, 0], [1, 2]] and figure.axes[0].get_title() == "toy: test"
    validation = {"attribution": {"confusion_matrix": [[3, 1], [0, 4]]}}
    metrics, figure = evaluate_subtask2(PREDICTIONS, truth.iloc[:0], validation, SUBSETS, "toy")
    assert metrics == {"method": "toy", "ground_truth": False} and figure.axes[0].get_title() == "toy: validation"
    with pytest.raises(UserInputError, match="toy: 1 ground-truth ids have no prediction"):
        evaluate_subtask2(PREDICTIONS.iloc[:2], truth, {}, SUBSETS, "toy")


def test_outsiders_in_the_ground_truth_are_counted_apart_for_closed_and_open_methods():
    truth = pd.DataFrame({"image_id": ["img1", "img2", "img10"], "subset": ["t2", "unknown", "unknown"]})
    closed, figure = evaluate_subtask2(PREDICTIONS, truth, {}, SUBSETS, "closed")
    assert closed["known_accuracy"] == 1.0 and closed["unknown_recall"] == 0.0 and closed["accuracy"] == pytest.approx(1 / 3)
    assert closed["labels"] == ["t1", "t2", "unknown"] and closed["confusion_matrix"][2] == [1, 1, 0], "outsiders get a row"
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["t1", "t2", "unknown"]
    open_set = PREDICTIONS.assign(subset=["unknown", "t1", "t2"])  # img10 flagged, img2 missed, img1 right
    scores, _ = evaluate_subtask2(open_set, truth, {}, [*SUBSETS, "unknown"], "open")
    assert scores["known_accuracy"] == 1.0 and scores["unknown_recall"] == 0.5
    plain, _ = evaluate_subtask2(PREDICTIONS, truth.assign(subset="t2"), {}, SUBSETS, "plain")
    assert "unknown_recall" not in plain and plain["labels"] == SUBSETS


def test_open_set_labels_without_ground_truth_draw_the_validation_matrix_and_specificity_skips_unknown():
    validation = {"attribution": {"confusion_matrix": [[3, 1], [0, 4]], "labels": SUBSETS}}
    metrics, figure = evaluate_subtask2(PREDICTIONS, pd.DataFrame(columns=["image_id", "subset"]), validation,
                                        [*SUBSETS, "unknown"], "open")
    assert metrics == {"method": "open", "ground_truth": False} and len(figure.axes[0].get_yticklabels()) == 2
    truth = pd.DataFrame({"image_id": ["img1", "img2", "img10"], "subset": ["t2", "t2", "t1"]})
    flagged = PREDICTIONS.assign(subset=["t1", "unknown", "t2"])  # img10 right, img2 flagged though known, img1 right
    scores, _ = evaluate_subtask2(flagged, truth, {}, [*SUBSETS, "unknown"], "open")
    per_class = scores["per_class"]
    assert scores["specificity"] == pytest.approx((per_class["t1"]["specificity"] + per_class["t2"]["specificity"]) / 2)
