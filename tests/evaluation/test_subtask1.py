"""Subtask-1 steps every method shares: the run-file validator node."""

import pandas as pd
import pytest

from gans_fingerprints.evaluation.run_files import RunFileError
from gans_fingerprints.evaluation.subtask1 import compare_subtask1_methods, summarise_subtask1, validate_subtask1_run_files


def test_the_validator_node_rejects_a_broken_run_file():
    manifest = pd.DataFrame({"image_id": ["a", "b"], "role": ["real", "real"]})
    assert validate_subtask1_run_files(manifest, good="a,1\nb,0\n")["valid"]
    with pytest.raises(RunFileError, match=r"line 2: label '2' is not one of \['0', '1'\]"):
        validate_subtask1_run_files(manifest, bad="a,1\nb,2\n")
    with pytest.raises(RunFileError, match="1 test image"):
        validate_subtask1_run_files(manifest, short="a,1\n")


def _results(method: str, ranks: list[float], labels: list[int] | None = None) -> pd.DataFrame:
    table = pd.DataFrame({"method": method, "image_id": [f"r{i}" for i in range(len(ranks))], "rank": ranks,
                          "prediction": [int(r > 0.5) for r in ranks]})
    return table if labels is None else table.assign(label=labels)


def test_a_summary_carries_auc_tpr_at_low_fpr_and_intervals_around_its_kappa_and_auc():
    labels = [1] * 10 + [0] * 10
    good = [0.9, 0.8, 0.95, 0.7, 0.85, 0.6, 0.9, 0.75, 0.65, 0.3, 0.1, 0.2, 0.4, 0.3, 0.05, 0.6, 0.2, 0.1, 0.35, 0.45]
    truth = pd.DataFrame({"image_id": [f"r{i}" for i in range(20)], "label": labels})
    summary = summarise_subtask1(_results("good", good, labels), _results("good", good), truth, "s", {"good": "w"})
    row = summary.iloc[0]
    assert row["test_kappa_low"] <= row["test_kappa"] <= row["test_kappa_high"]
    assert row["test_auc_low"] <= row["test_auc"] <= row["test_auc_high"] and row["test_auc_low"] > 0.5
    assert row["test_tpr_at_10_fpr"] == pytest.approx(0.9), "nine members above every non-member but one (0.6)"
    assert "[" in row["validation"], "the validation text gives its intervals"
    _table, figure = compare_subtask1_methods(truth, method_summary=summary, method_cv=_results("good", good, labels),
                                             method_test=_results("good", good))
    assert len(figure.axes) == 3 and figure.axes[-1].get_title().startswith("subtask 1 test: 95% bootstrap intervals")
