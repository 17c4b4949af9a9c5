"""Subtask-1 steps every method shares: the run-file validator node."""

import numpy as np
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
    assert row["test_tpr_at_10_fpr"] == pytest.approx(0.9), "nine members at 0.6 or above; one non-member (tied at 0.6) is the false alarm"
    assert pd.isna(row["test_tpr_at_1_fpr"]), "ten non-members cannot measure a 1% false-positive rate"
    assert "[" in row["validation"], "the validation text gives its intervals"
    _table, figure = compare_subtask1_methods(truth, method_summary=summary, method_cv=_results("good", good, labels),
                                             method_test=_results("good", good))
    assert len(figure.axes) == 3 and figure.axes[-1].get_title().startswith("subtask 1 test: 95% bootstrap intervals")


def _control(method: str, used: list[float], not_used: list[float]) -> pd.DataFrame:
    ranks = used + not_used
    return _results(method, ranks, [1] * len(used) + [0] * len(not_used))


def test_the_null_control_flag_is_bonferroni_corrected_and_an_unmeasured_control_is_not_flagged():
    """Twelve controls: one with a clear split signal is flagged; one whose 95% interval just excludes 0.5
    (p about 0.03) is not, at 0.05 / 12; one with a single class says it was not measured."""
    spread = list(np.linspace(0, 1, 20))
    chance = [_control(f"m{i}", spread, [x + 0.001 * (i + 1) for x in spread]) for i in range(9)]
    split = _control("split", [x + 0.8 for x in spread], spread)
    weak = _control("weak", [x + 0.24 for x in spread], [x + 0.001 for x in spread])
    one_class = _results("one_class", spread, [1] * 20)
    controls = pd.concat([*chance, split, weak, one_class], ignore_index=True)
    cv = controls.assign(label=controls["label"])
    summary = summarise_subtask1(cv, cv, None, "s", dict.fromkeys(cv["method"].unique(), "w"), controls).set_index("method")
    assert "OFF CHANCE" in summary.loc["split", "validation"]
    weak_row = summary.loc["weak"]
    assert weak_row["control_auc_low"] > 0.5 and 0.05 / 12 < weak_row["control_p_value"] < 0.05
    assert "OFF CHANCE" not in weak_row["validation"]
    assert "null control NOT MEASURED" in summary.loc["one_class", "validation"]
    assert not any("OFF CHANCE" in summary.loc[f"m{i}", "validation"] for i in range(9))
