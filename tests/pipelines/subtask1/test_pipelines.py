"""The subtask-1 pipelines on a tiny sample release: valid run files, the comparison, the ROC figure."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gans_fingerprints.evaluation.run_files import validate_run_file
from gans_fingerprints.pipelines.subtask1_membership.nodes import membership_methods
from gans_fingerprints.sample_release import write_sample_release
from tests.helpers import run_pipelines, versions

pytestmark = pytest.mark.slow


def test_all_subtask1_pipelines_write_valid_run_files_and_a_comparison(project_copy, tmp_path):
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=6, seed=5)  # 3 + 3 reals per training fold
    runtime = {
        "raw_data_root": str(raw),
        "ingestion": {"image_size": 48},
        "subtask1_membership": {"weights": "none", "backbone": "mobilenet_v2", "cv_folds": 2, "device": "cpu"},
        "subtask1_siamese": {"cv_folds": 2, "device": "cpu", "training": {"epochs": 1, "pairs_per_batch": 8}},
    }
    for pipelines in (["ingestion"], ["subtask1_membership", "subtask1_siamese", "subtask1_comparison"]):
        run_pipelines(project_copy, pipelines, **runtime)
    test_ids = [p.stem for p in (raw / "subtask1" / "test" / "real_unknown").glob("*.png")]
    methods = membership_methods()
    for method in (*methods, "siamese"):
        [run_file] = versions(project_copy, "07_model_output", f"subtask1_{method}.csv")
        validate_run_file(run_file.read_text(), test_ids, ["0", "1"], str(run_file))
    [table_path] = versions(project_copy, "08_reporting", "subtask1_comparison.csv")
    table = pd.read_csv(table_path)
    assert set(table["method"]) == {*methods, "siamese"}
    assert table["test_kappa"].between(-1, 1).all() and table["validation_auc"].between(0, 1).all()
    assert (table["main_value"] == table["test_kappa"]).all() and table["main_value"].is_monotonic_decreasing
    assert versions(project_copy, "08_reporting", "subtask1_roc.png")


@pytest.fixture
def toy_attack(monkeypatch):
    """A new attack added the documented way: one function, one registry entry (and one YAML block, below)."""
    from gans_fingerprints.distances import pairwise_distances
    from gans_fingerprints.membership import registry

    monkeypatch.setattr(registry, "ATTACKS", dict(registry.registered_attacks()))  # restored after the test
    seen_options = []

    @registry.register_attack("toy_nearest_copy")
    def toy_nearest_copy(queries, generated, reference, power=1.0):
        seen_options.append(power)
        return -(pairwise_distances(queries, generated).min(axis=1) ** power)

    return seen_options


def test_a_registered_attack_reaches_run_files_comparison_and_report(project_copy, tmp_path, toy_attack):
    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=6, seed=5)  # 3 + 3 reals per training fold
    runtime = {
        "raw_data_root": str(raw),
        "ingestion": {"image_size": 48},
        "subtask1_membership": {"weights": "none", "backbone": "mobilenet_v2", "cv_folds": 2, "device": "cpu",
                                "attacks": {"toy_nearest_copy": {"power": 2.0}}},
        "subtask1_siamese": {"cv_folds": 2, "device": "cpu", "training": {"epochs": 1, "pairs_per_batch": 8}},
    }
    for pipelines in (["ingestion"], ["subtask1_membership", "subtask1_siamese", "subtask1_comparison"], ["reporting"]):
        run_pipelines(project_copy, pipelines, **runtime)
    assert set(toy_attack) == {2.0}, "the attack's YAML block reached it"
    test_ids = [p.stem for p in (raw / "subtask1" / "test" / "real_unknown").glob("*.png")]
    for space in ("pixels", "features"):
        [run_file] = versions(project_copy, "07_model_output", f"subtask1_toy_nearest_copy_{space}.csv")
        validate_run_file(run_file.read_text(), test_ids, ["0", "1"], str(run_file))
    comparison = pd.read_csv(versions(project_copy, "08_reporting", "subtask1_comparison.csv")[-1])
    assert {"toy_nearest_copy_pixels", "toy_nearest_copy_features"} <= set(comparison["method"])
    # The report assembles the summaries that exist: subtask 2 never ran here, and is left out, not an error.
    table = pd.read_csv(versions(project_copy, "08_reporting", "results_table.csv")[-1])
    assert {"toy_nearest_copy_pixels", "toy_nearest_copy_features", "siamese"} <= set(table["method"])
    assert set(table["subtask"]) == {1} and table["data"].str.contains("test ground truth present").all()
    # Each summary names the ingestion whose data its run read, so a report never mixes in another ingestion's.
    committed = json.loads((project_copy / "data" / "02_intermediate" / "ingestion_commit.json").read_text())["run_id"]
    summary = pd.read_csv(versions(project_copy, "08_reporting/summaries", "subtask1_membership_summary.csv")[-1])
    assert set(summary["ingestion_run"]) == {committed}


def test_trained_reference_generators_are_kept_and_calibrate_gan_leaks(project_copy, tmp_path):
    """``reference_generator.source: trained``: one generator per split, each trained on the other split's reals
    (none of its own queries), saved with what it trained on; the calibrated attack's run files are valid and
    its null control is measured."""
    import torch

    raw = write_sample_release(tmp_path / "raw", image_size=48, per_folder=6, seed=5)
    tiny_ddpm = {"base_channels": 4, "channel_multipliers": [1, 2], "patch_size": 4, "prediction": "x0", "batch_size": 4,
                 "steps": 2, "sample_steps": 2, "log_every": 1}
    runtime = {"raw_data_root": str(raw), "ingestion": {"image_size": 48},
               "subtask1_membership": {"weights": "none", "backbone": "mobilenet_v2", "cv_folds": 2, "device": "cpu",
                                       "reference_generator": {"source": "trained", "family": "ddpm", "settings": tiny_ddpm}}}
    for pipelines in (["ingestion"], ["subtask1_membership"]):
        run_pipelines(project_copy, pipelines, **runtime)
    [bundle_path] = versions(project_copy, "06_models", "subtask1_membership_reference_generators.pt")
    bundle = torch.load(bundle_path, weights_only=True)
    assert bundle["source"] == "trained" and bundle["family"] == "ddpm"
    assert bundle["train"]["trained_on"] == "test split reals (12)" and bundle["test"]["trained_on"] == "train split reals (12)"
    assert bundle["train"]["state"] and len(bundle["train"]["history"]["step"]) >= 1
    test_ids = [p.stem for p in (raw / "subtask1" / "test" / "real_unknown").glob("*.png")]
    for space in ("pixels", "features"):
        [run_file] = versions(project_copy, "07_model_output", f"subtask1_gan_leaks_calibrated_{space}.csv")
        validate_run_file(run_file.read_text(), test_ids, ["0", "1"], str(run_file))
    summary = pd.read_csv(versions(project_copy, "08_reporting/summaries", "subtask1_membership_summary.csv")[-1]).set_index("method")
    assert 0.0 <= summary.loc["gan_leaks_calibrated_pixels", "control_auc"] <= 1.0, "measured, not NaN"
    assert "null control AUC" in summary.loc["gan_leaks_calibrated_pixels", "validation"]
