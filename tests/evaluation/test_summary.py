"""The shared summary schema: summaries are concatenated in the given order; absent ones are skipped."""

from gans_fingerprints.evaluation.summary import SUMMARY_COLUMNS, concatenate_summaries, method_summary, summary_sources


def test_summaries_that_exist_are_concatenated_in_order_in_the_shared_schema():
    first = method_summary([{"subtask": 2, "method": "b", "main_metric": "accuracy", "main_value": 0.5}])
    second = method_summary([{"subtask": 1, "method": "a", "main_metric": "kappa", "main_value": 0.1}])
    table = concatenate_summaries({"x_summary": first, "missing_summary": None, "empty_summary": first.iloc[:0], "y_summary": second})
    assert list(table.columns) == SUMMARY_COLUMNS and table["method"].tolist() == ["b", "a"]
    assert concatenate_summaries({"missing_summary": None}).columns.tolist() == SUMMARY_COLUMNS
    assert concatenate_summaries({}).empty


def test_summary_sources_are_the_outputs_named_like_a_summary():
    assert summary_sources(["b_summary", "b_results", "a_summary", "summary_table"]) == ["a_summary", "b_summary"]
