import numpy as np
import pytest

from gans_fingerprints.evaluation.metrics import attribution_metrics, membership_metrics, specificity_per_class


def test_membership_metrics_reproduce_the_papers_table_3():
    """TP 143, FP 134, TN 116, FN 107 gives the paper's run 1696: kappa 0.036, accuracy 0.518, ..."""
    truth = [1] * 143 + [0] * 134 + [0] * 116 + [1] * 107
    predicted = [1] * 143 + [1] * 134 + [0] * 116 + [0] * 107
    metrics = membership_metrics(truth, predicted)

    def as_printed(value):  # the paper truncates to four decimals (F1 0.54269 is printed 0.5426)
        return int(round(value * 10_000, 6)) / 10_000

    assert as_printed(metrics["kappa"]) == 0.036
    assert as_printed(metrics["accuracy"]) == 0.518
    assert as_printed(metrics["precision"]) == 0.5162
    assert as_printed(metrics["recall"]) == 0.572
    assert as_printed(metrics["f1"]) == 0.5426
    assert (metrics["tp"], metrics["fp"], metrics["tn"], metrics["fn"]) == (143, 134, 116, 107)


def test_attribution_metrics_weighted_recall_is_accuracy_and_specificity():
    truth = ["t1"] * 4 + ["t2"] * 4 + ["t3"] * 2
    predicted = ["t1", "t1", "t1", "t2", "t2", "t2", "t3", "t1", "t3", "t3"]
    metrics = attribution_metrics(truth, predicted, ["t1", "t2", "t3"])
    assert metrics["accuracy"] == pytest.approx(0.7)
    assert metrics["recall_weighted"] == pytest.approx(metrics["accuracy"])
    assert metrics["confusion_matrix"] == [[3, 1, 0], [1, 2, 1], [0, 0, 2]]
    # t1: TN = 10 - 4 - 1 = 5, FP = 1 -> 5/6; t2: TN = 5, FP = 1 -> 5/6; t3: TN = 7, FP = 1 -> 7/8
    assert metrics["specificity"] == pytest.approx(np.mean([5 / 6, 5 / 6, 7 / 8]))
    assert metrics["per_class"]["t3"]["support"] == 2


def test_specificity_of_a_perfect_matrix_is_one():
    assert specificity_per_class(np.diag([3, 4, 5])).tolist() == [1.0, 1.0, 1.0]


def test_the_accuracy_interval_is_wilsons_and_never_collapses_to_a_point():
    import math

    from gans_fingerprints.evaluation.metrics import accuracy_interval, attribution_metrics

    truth = [f"t{k}" for k in range(1, 6) for _ in range(40)]
    predicted = [label if i % 5 else "t1" for i, label in enumerate(truth)]  # every fifth image wrong (t1's: right)
    metrics = attribution_metrics(truth, predicted, [f"t{k}" for k in range(1, 6)])
    low, high = metrics["accuracy_low"], metrics["accuracy_high"]
    assert low < metrics["accuracy"] < high and 0.05 < high - low < 0.15, "about ±1.96 sqrt(p(1-p)/n) = ±0.05 on 200 images"
    one_subset = accuracy_interval([f"t{k}" for k in range(1, 6) for _ in range(4)], ["t1"] * 20)  # everything in t1
    assert one_subset[0] < 0.2 < one_subset[1] and one_subset[1] - one_subset[0] > 0.2, "a collapsed network's 0.20 is not exact"
    assert accuracy_interval(["a"] * 10, ["a"] * 10)[0] < 1.0, "ten right of ten is not certainty"
    assert all(math.isnan(x) for x in accuracy_interval([], []))
