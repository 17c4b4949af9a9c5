"""The run's HTML report: the paper's tables with our rows and the paper's beside them, warnings first,
figures embedded (they open offline), provenance; and the page as headless Chromium draws it."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from gans_fingerprints.evaluation.summary import concatenate_summaries, method_summary
from gans_fingerprints.html_report import ReportFigure, ReportInputs, render_report
from gans_fingerprints.run_record import RunRecord, figures_in


class Page(HTMLParser):
    """Tables (as lists of rows of cell texts) and image sources of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.images: list[str] = []
        self.external: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(attributes["src"])
        if tag in ("script", "link") or (tag == "img" and not attributes["src"].startswith("data:")):
            self.external.append(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _summaries() -> pd.DataFrame:
    subtask1 = method_summary([
        {"subtask": 1, "method": "gan_leaks_pixels", "table": "Table 3", "main_metric": "test kappa", "main_value": 0.88,
         "test_kappa": 0.88, "test_kappa_low": 0.69, "test_kappa_high": 1.0, "test_auc": 0.94, "test_auc_low": 0.81,
         "test_auc_high": 1.0, "test_accuracy": 0.94, "control_auc": 0.53, "control_auc_low": 0.33, "control_auc_high": 0.74,
         "control_p_value": 0.78, "validation": "cv kappa 0.94"},
        {"subtask": 1, "method": "siamese", "table": "Table 3", "main_metric": "test kappa", "main_value": 0.05,
         "test_kappa": 0.05, "test_kappa_low": -0.2, "test_kappa_high": 0.3,
         "validation": "null control AUC 0.71 [0.60, 0.80] p=1e-05 OFF CHANCE: the signal may come from the split"},
    ])
    subtask2 = method_summary([
        {"subtask": 2, "method": "Siamese network", "table": "Table 5", "main_metric": "test accuracy", "main_value": 0.31,
         "validation_accuracy": 0.33, "test_accuracy": 0.31, "test_accuracy_low": 0.2, "test_accuracy_high": 0.43,
         "validation": "attribution 0.310 NEAR CHANCE: not clearly learned"},
        {"subtask": 2, "method": "resnet50 + SVM", "table": "Tables 4-5", "main_metric": "test accuracy", "main_value": 0.86,
         "validation_accuracy": 0.9, "test_accuracy": 0.86, "test_specificity": 0.96},
        {"subtask": 2, "method": "densenet121 + SVM", "table": "extension", "main_metric": "test accuracy", "main_value": 0.96,
         "validation_accuracy": 0.9, "test_accuracy": 0.96},
    ])
    return concatenate_summaries({"a": subtask1, "b": subtask2})


def _red_figure() -> bytes:
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.imshow(np.ones((10, 10, 3)) * [1.0, 0.0, 0.0])
    axis.set_axis_off()
    [(key, png)] = figures_in("subtask1_roc", figure).items()
    plt.close(figure)
    assert key == "subtask1_roc"
    return png


def _page(tmp_path: Path) -> str:
    record = RunRecord(project_path=tmp_path, env="demo", pipelines=["subtask1_membership"], parameters={"seed": 7},
                       commit="abc123", device="CPU", node_seconds={"n": 1.5}, data_hashes={"subtask1_train_image_stack": "ff00"})
    return render_report(ReportInputs(record, _summaries(), [ReportFigure("subtask1_roc", _red_figure())],
                                      benchmark={"settings": {"profile": "demo"}, "quality": [{"generator": "t1", "recall": 0.62}]},
                                      pipeline_seconds={"subtask1_membership": 1.5},
                                      files={"run files": ["/x/subtask1_gan_leaks_pixels.csv"]}))


def test_the_report_lays_out_the_papers_tables_with_the_papers_numbers_and_warnings_first(tmp_path):
    text = _page(tmp_path)
    page = Page()
    page.feed(text)
    assert not page.external, "the page opens offline: no script, stylesheet or image outside it"
    table3, table4, table5, benchmark, *provenance = page.tables
    before_tables = text.split("<table")[0]
    assert "Read these first" in before_tables and "OFF CHANCE" in before_tables and "NEAR CHANCE" in before_tables
    assert [row[0] for row in table3[1:]] == ["gan_leaks_pixels", "siamese", "paper, Table 3 (run 1696, Siamese)"]
    leaks, _, paper = (dict(zip(table3[0], row, strict=True)) for row in table3[1:])
    assert leaks["test κ [95%]"] == "0.88 [0.69, 1.00]" and leaks["null control AUC [95%], p"] == "0.53 [0.33, 0.74], p=0.78"
    assert [paper[c] for c in ("test κ [95%]", "test AUC [95%]", "accuracy")] == ["0.0360", "—", "0.5180"]
    assert "TPR@1%FPR" not in table3[0] and "precision" not in table3[0], "columns no method has a figure in are left out"
    assert "Not measured on these data, so not shown: precision, recall, F1, TPR@1%FPR, TPR@10%FPR" in text
    assert table4[2] == ["resnet50 + SVM", "Tables 4-5", "0.90", "0.5259", ""], "Table 4: our validation accuracy beside the paper's"
    assert [row[0] for row in table5[1:]] == ["Siamese network", "paper, Table 5: Siamese network", "resnet50 + SVM",
                                              "paper, Table 5: resnet50 + SVM", "densenet121 + SVM"], \
        "a row beyond the paper's setting is not set beside the paper's figure, though its name is the paper's"
    assert table5[5][1] == "extension: beyond the paper" and table4[3][3] == "—"
    assert table5[1][2] == "0.31 [0.20, 0.43]" and table5[1][-1] == "NEAR CHANCE" and table5[2][2] == "0.9904"
    assert table5[1][1] == "Table 5" and table5[3][1] == "Tables 4-5"
    assert benchmark[1][:4] == ["t1", "—", "—", "0.62"]
    assert ["subtask1_membership", "1.5"] in provenance[1] and ["subtask1_train_image_stack", "ff00"] in provenance[-1]
    [image] = page.images
    decoded = Image.open(io.BytesIO(base64.b64decode(image.split(",", 1)[1])))
    assert decoded.format == "PNG" and decoded.size[0] > 100


def test_a_report_warns_when_every_subtask1_interval_includes_chance(tmp_path):
    record = RunRecord(project_path=tmp_path, env="base", pipelines=[], parameters={})
    rows = method_summary([{"subtask": 1, "method": m, "main_metric": "test kappa", "main_value": 0.0, "test_kappa": 0.0,
                            "test_kappa_low": -0.2, "test_kappa_high": 0.2} for m in ("a", "b")])
    text = render_report(ReportInputs(record, rows))
    assert "Every subtask-1 method's test kappa interval includes 0 (chance)" in text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium (Debian package `chromium`) is not installed")
def test_headless_chromium_draws_the_tables_and_the_embedded_figure(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(_page(tmp_path))
    shot = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1300,2600"]
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert dom.count("<table") == 8 and "paper, Table 5: resnet50 + SVM" in dom
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert red.sum() > 5000, "the embedded figure (a red square) is drawn, not a broken image"


def test_content_hashes_name_the_pixels_and_rows_and_accept_empty_stacks():
    from gans_fingerprints.run_record import content_hash

    stack = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert content_hash(stack) == content_hash(stack.copy()) != content_hash(stack[::-1])
    assert content_hash(np.empty((0, 32, 32), dtype=np.uint8)) != content_hash(np.empty((0, 16, 16), dtype=np.uint8))
    table = pd.DataFrame({"id": ["a", "b"], "label": [0, 1]})
    assert content_hash(table) == content_hash(table.copy()) != content_hash(table.iloc[::-1])
    assert content_hash("not data") is None


def test_a_large_stack_is_hashed_on_a_sample_and_says_so(monkeypatch):
    from gans_fingerprints import run_record

    stack = np.arange(10 * 4 * 4, dtype=np.uint8).reshape(10, 4, 4)
    full = run_record.content_hash(stack)
    monkeypatch.setattr(run_record, "FULL_HASH_BYTES", 40)  # 160 bytes: every 4th image
    sampled = run_record.content_hash(stack)
    assert sampled.endswith("(every 4th image of 10)") and sampled.split()[0] != full
    changed = stack.copy()
    changed[4, 0, 0] += 1
    assert run_record.content_hash(changed) != sampled, "a sampled image changed: the hash changes"


def test_the_benchmark_is_shown_only_beside_its_own_data(tmp_path):
    from gans_fingerprints.run_report import benchmark_describes_the_data

    class Catalog:
        def __init__(self, tables):
            self.tables = tables

        def exists(self, name):
            return name in self.tables

        def get(self, name):
            tables = self.tables

            class Dataset:
                def load(self):
                    return tables[name]
            return Dataset()

    class Run:
        def __init__(self, outputs):
            self.outputs = outputs

        def all_outputs(self):
            return set(self.outputs)

    benchmark = {"root": str(tmp_path / "raw")}
    assert benchmark_describes_the_data(Run(["benchmark_summary"]), Catalog({})), "built in this run"
    same = Catalog({"benchmark_summary": benchmark, "ingestion_commit": {"root": str(tmp_path / "raw")}})
    other = Catalog({"benchmark_summary": benchmark, "ingestion_commit": {"root": str(tmp_path / "imageclef")}})
    assert benchmark_describes_the_data(Run(["results_table"]), same)
    assert not benchmark_describes_the_data(Run(["results_table"]), other), "a run on the real release shows no benchmark"


def test_figures_a_node_returns_are_keyed_as_their_saved_files_are_read_back(tmp_path):
    from gans_fingerprints.run_record import saved_figures

    figure, _ = plt.subplots()
    try:
        in_memory = figures_in("benchmark_sample_grids", {"t1.png": figure})
        saved = tmp_path / "benchmark_sample_grids" / "2026-11-29T10.00.00.000Z" / "benchmark_sample_grids"
        saved.mkdir(parents=True)  # the catalog's versioned layout of a dict of figures
        figure.savefig(saved / "t1.png")
    finally:
        plt.close(figure)

    class Dataset:
        _filepath = tmp_path / "benchmark_sample_grids"

    assert set(in_memory) == set(saved_figures("benchmark_sample_grids", Dataset())[1]) == {"benchmark_sample_grids/t1"}
