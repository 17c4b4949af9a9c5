"""The fault suite: bad input, links, interruption, concurrency and rebuilds over user files.

Each case runs ``kedro run`` as a user would and asserts the exit code, the one line the user
reads (never a traceback) and, with checksums before and after, that no user file changed.
Run it alone with ``pytest -m fault``; the README's "Bad input" table lists every case.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from gans_fingerprints.datasets.release import MARKER_NAME
from gans_fingerprints.hooks import LOCK_NAME
from gans_fingerprints.sample_release import write_sample_release
from gans_fingerprints.scratch_project import REPO_ROOT, make_scratch_project
from tests.faults.harness import Outcome, checksums, kedro_run
from tests.helpers import kedro_subprocess, versions

pytestmark = pytest.mark.fault

SIZE = 48  # the smallest side the paper's Siamese branch accepts, so every pipeline can run on it


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_scratch_project(tmp_path / "project")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return write_sample_release(tmp_path / "raw", image_size=SIZE, per_folder=3, seed=1)


def ingest(project: Path, root: Path | str, *extra: str) -> Outcome:
    params = f"raw_data_root={root},ingestion.image_size={SIZE}"
    return kedro_run(project, "--pipelines", "ingestion", "--params", params + "".join(f",{e}" for e in extra))


def assert_refused(outcome: Outcome, *fragments: str) -> None:
    assert outcome.exit_code == 1, outcome.output[-3000:]
    assert outcome.message is not None, f"a traceback instead of one line:\n{outcome.output[-3000:]}"
    assert "\n" not in outcome.message, outcome.message
    for fragment in fragments:
        assert fragment in outcome.message, outcome.message


def assert_ok(outcome: Outcome) -> None:
    assert outcome.exit_code == 0, (outcome.message, outcome.output[-3000:])


def latest_report(project: Path) -> dict:
    return json.loads(versions(project, "08_reporting", "ingestion_report.json")[-1].read_text())


# --- the raw data root itself (issue 16 item 4): nothing of the previous ingestion is replaced ---------

def _missing(tmp_path: Path) -> Path:
    return tmp_path / "typo"


def _a_file(tmp_path: Path) -> Path:
    (tmp_path / "release.zip").write_bytes(b"PK")
    return tmp_path / "release.zip"


def _neither_subtask(tmp_path: Path) -> Path:
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "notes.txt").write_text("the release is one level down")
    return tmp_path / "downloads"


def _broken_link(tmp_path: Path) -> Path:
    (tmp_path / "release_link").symlink_to(tmp_path / "unmounted_disk", target_is_directory=True)
    return tmp_path / "release_link"


def _subtask_link_broken(tmp_path: Path) -> Path:
    """A root whose subtask1/ is a link to a disk that is not mounted: not an absent subtask."""
    root = tmp_path / "linked_root"
    root.mkdir()
    (root / "subtask1").symlink_to(tmp_path / "unmounted_disk", target_is_directory=True)
    (root / "subtask2").symlink_to(tmp_path / "raw" / "subtask2", target_is_directory=True)
    return root


@pytest.mark.parametrize(
    ("make_root", "fragments"),
    [
        (_missing, ["raw_data_root", "does not exist", "Data layout"]),
        (_a_file, ["raw_data_root", "is a file, not a folder", "Data layout"]),
        (_neither_subtask, ["raw_data_root", "holds neither subtask1/ nor subtask2/ (it holds ['notes.txt'])"]),
        (_broken_link, ["raw_data_root", "unmounted_disk, which does not exist", "Data layout"]),
        (_subtask_link_broken, ["linked_root/subtask1 is a link to", "unmounted_disk, which does not exist"]),
    ],
    ids=["missing", "file", "neither_subtask", "broken_link", "broken_subtask_link"],
)
def test_a_wrong_raw_data_root_stops_before_replacing_anything(project, raw, tmp_path, make_root, fragments):
    assert_ok(ingest(project, raw))
    before = checksums(project / "data", raw)
    outcome = ingest(project, make_root(tmp_path))
    assert_refused(outcome, *fragments)
    assert checksums(project / "data", raw) == before


# --- layout and image problems inside a subtask: one line naming the file or folder -----------------

def _rm(relative: str) -> Callable[[Path], None]:
    return lambda root: shutil.rmtree(root / relative)


def _empty_folder(root: Path) -> None:
    for image in (root / "subtask1/train/real_not_used").glob("*.png"):
        image.unlink()


def _broken_folder_link(root: Path) -> None:
    shutil.rmtree(root / "subtask1/train/real_used")
    (root / "subtask1/train/real_used").symlink_to(root.parent / "moved", target_is_directory=True)


def _unreadable(root: Path) -> None:
    for image in list((root / "subtask2/train/real/t2").glob("*.png"))[:2]:
        image.write_bytes(b"truncated")


def _both_generated_names(root: Path) -> None:
    shutil.copytree(root / "subtask2/train/generated/gen_t1", root / "subtask2/train/generated/t1")


def _duplicate_id(root: Path) -> None:
    Image.new("L", (SIZE, SIZE)).save(root / "subtask2/train/real/t3/t3_0001.jpg")


def _comma_id(root: Path) -> None:
    Image.new("L", (SIZE, SIZE)).save(root / "subtask2/test/generated_unknown/scan,2.png")


def _padded_id(root: Path) -> None:
    Image.new("L", (SIZE, SIZE)).save(root / "subtask1/test/real_unknown/ padded.png")


def _truth(name: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / "ground_truth" / name).write_text(text)


def _truth_latin1(root: Path) -> None:
    (root / "ground_truth" / "subtask1_test.csv").write_bytes("image_id,label\nrésumé,1\n".encode("latin-1"))


def _truth_broken_link(root: Path) -> None:
    (root / "ground_truth" / "subtask2_test.csv").unlink()
    (root / "ground_truth" / "subtask2_test.csv").symlink_to(root.parent / "labels_on_a_usb_stick.csv")


def _truth_edit(name: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / "ground_truth" / name
        edit(pd.read_csv(path, dtype=str)).to_csv(path, index=False)

    return apply


LAYOUT_FAULTS = {
    "missing_folder": (_rm("subtask1/train/real_not_used"), ["Expected folder", "real_not_used does not exist"]),
    "empty_folder": (_empty_folder, ["real_not_used holds no PNG or JPEG images"]),
    "broken_folder_link": (_broken_folder_link, ["real_used is a link to", "(a broken link)", "ln -sfn"]),
    "too_many_unreadable": (_unreadable, ["2 of 3 images in", "could not be read", "max_bad_fraction"]),
    "gen_tk_and_tk": (_both_generated_names, ["gen_t1 and", "keep one folder of generated images"]),
    "duplicate_id": (_duplicate_id, ["share the image id 't3_0001'"]),
    "comma_in_id": (_comma_id, ["'scan,2'", "cannot go into a run file", "Rename the file"]),
    "whitespace_around_id": (_padded_id, ["' padded'", "whitespace", "Rename the file"]),
    "truth_zero_bytes": (_truth("subtask1_test.csv", ""), ["subtask1_test.csv is empty", "header line 'image_id,label'"]),
    "truth_no_header": (_truth("subtask2_test.csv", "00001,t1\n00002,t2\n"), ["subtask2_test.csv lacks column(s)", "must be the header"]),
    "truth_extra_field": (
        _truth("subtask1_test.csv", "image_id,label\nreal_unknown_0001,1,9\n"),
        ["subtask1_test.csv: line(s) [2] have another number of fields"],
    ),
    "truth_missing_field": (
        _truth_edit("subtask1_test.csv", lambda t: t.assign(label=t["label"].where(t.index != 1))),
        ["subtask1_test.csv: line(s) [3] lack a value"],
    ),
    "truth_not_utf8": (_truth_latin1, ["subtask1_test.csv is not UTF-8 text", "save it as a UTF-8 CSV"]),
    "truth_broken_link": (_truth_broken_link, ["subtask2_test.csv is a link to", "(a broken link)"]),
    "truth_unknown_id": (
        _truth_edit("subtask2_test.csv", lambda t: t.assign(image_id=t["image_id"].replace("00001", "99999"))),
        ["does not match the subtask2 test images", "99999", "00001"],
    ),
    "truth_duplicate_id": (
        _truth_edit("subtask1_test.csv", lambda t: pd.concat([t, t.head(1)])),
        ["lists image id(s) ['real_unknown_0001'] more than once"],
    ),
    "truth_bad_label": (
        _truth_edit("subtask1_test.csv", lambda t: t.assign(label=t["label"].where(t.index != 0, "yes"))),
        ["label must be one of [0, 1] on line(s) [2]"],
    ),
}


@pytest.mark.parametrize("case", list(LAYOUT_FAULTS))
def test_bad_input_is_one_line_and_no_user_file_changes(project, raw, case):
    break_release, fragments = LAYOUT_FAULTS[case]
    break_release(raw)
    before = checksums(raw)
    outcome = ingest(project, raw)
    assert_refused(outcome, *fragments)
    assert checksums(raw) == before
    written = sorted(p.name for p in (project / "data").glob("0[23]_*/*"))
    if case == "too_many_unreadable":  # found only while decoding: earlier splits are written, then refused
        assert "ingestion_commit.json" not in written
    else:  # found before any split is decoded: all splits or none
        assert written == [], written


# --- input that is read with a counted, logged skip (exit 0) -----------------------------------------

def test_hidden_stray_and_unreadable_files_are_skipped_and_counted(project, raw):
    folder = raw / "subtask2/test/generated_unknown"
    Image.new("L", (SIZE, SIZE)).save(folder / ".hidden.png", format="PNG")
    Image.new("L", (SIZE, SIZE)).save(folder / ".png", format="PNG")
    (folder / ".DS_Store").write_bytes(b"\0")
    (raw / "subtask2/train/real/t1/t1_0002.png").write_bytes(b"")  # zero bytes: 1 of 3, under a lenient limit
    before = checksums(raw)
    assert_ok(ingest(project, raw, "ingestion.max_bad_fraction=0.5"))
    report = latest_report(project)
    assert report["splits"]["subtask2_test"]["folders"]["test/generated_unknown"]["ignored"] == 3
    assert report["splits"]["subtask2_test"]["images"] == 15
    bad = report["splits"]["subtask2_train"]["bad_files"]
    assert [entry["path"].rpartition("/")[2] for entry in bad] == ["t1_0002.png"]
    assert "0x" not in bad[0]["reason"]
    assert checksums(raw) == before


def test_other_sizes_are_resized_and_counted(project, raw):
    Image.new("L", (SIZE * 2, SIZE)).save(raw / "subtask1/test/generated/generated_0001.png")
    assert_ok(ingest(project, raw))
    assert latest_report(project)["splits"]["subtask1_test"]["resized_from"] == {f"{SIZE * 2}x{SIZE}": 1}


def test_a_layout_made_of_folder_links_is_read_through_them(project, raw, tmp_path):
    linked = tmp_path / "linked"
    linked.mkdir()
    for name in ("subtask1", "subtask2", "ground_truth"):
        (linked / name).symlink_to(raw / name, target_is_directory=True)
    target = raw / "subtask2/train/real/t1"
    for subset in ("t4", "t5"):  # two layout folders linked to one download folder
        shutil.rmtree(raw / "subtask2/train/real" / subset)
        (raw / "subtask2/train/real" / subset).symlink_to(target, target_is_directory=True)
    before = checksums(raw, linked)
    assert_ok(ingest(project, linked))
    assert latest_report(project)["splits"]["subtask2_train"]["folders"]["train/real/t5"]["images"] == 3
    assert checksums(raw, linked) == before


# --- the benchmark over user files (issue 16 items 1-2): refused before training, nothing changed -----

def _user_image(root: Path) -> None:
    Image.new("L", (8, 8)).save(root / "subtask1/test/real_unknown/my_scan.png")


def _user_labels(root: Path) -> None:
    (root / "ground_truth/my_labels.csv").write_text("image_id,label\nmy_scan,1\n")


def _notes_folder(root: Path) -> None:
    (root / "subtask2/notes").mkdir()
    (root / "subtask2/notes/todo.md").write_text("my notes")


def _edited_build_file(root: Path) -> None:
    (root / "subtask2/train/real/t2/t2_0001.png").write_bytes(b"my own scan now")


def _legacy_marker(root: Path) -> None:
    marker = json.loads((root / MARKER_NAME).read_text())
    del marker["files"]
    (root / MARKER_NAME).write_text(json.dumps(marker))


def _nested_link(root: Path) -> None:
    mine = root.parent / "mine"
    mine.mkdir()
    (mine / "scan.png").write_bytes(b"mine")
    (root / "subtask2/train/real/extra").symlink_to(mine, target_is_directory=True)


def _no_marker(root: Path) -> None:
    (root / MARKER_NAME).unlink()


def _only_links(root: Path) -> None:
    """The root becomes a layout of links to a release elsewhere (the README's recommendation)."""
    elsewhere = root.parent / "release_download"
    root.rename(elsewhere)
    (elsewhere / MARKER_NAME).unlink()
    root.mkdir()
    for name in ("subtask1", "subtask2"):
        (root / name).symlink_to(elsewhere / name, target_is_directory=True)


BENCHMARK_FAULTS = {
    "user_image_in_build": (_user_image, "my_scan.png was not written by this project"),
    "user_labels_in_ground_truth": (_user_labels, "my_labels.csv was not written by this project"),
    "notes_folder": (_notes_folder, "todo.md was not written by this project"),
    "edited_build_file": (_edited_build_file, "t2_0001.png changed since this project wrote it"),
    "legacy_marker": (_legacy_marker, "older version that did not record which files it wrote"),
    "nested_folder_link": (_nested_link, "extra is a link to"),
    "user_release_without_marker": (_no_marker, "was not written by this project"),
    "layout_of_links": (_only_links, "subtask1 is a link to"),
}


@pytest.mark.parametrize("case", list(BENCHMARK_FAULTS))
def test_benchmark_never_overwrites_user_files(project, raw, tmp_path, case):
    make_fault, fragment = BENCHMARK_FAULTS[case]
    make_fault(raw)
    before = checksums(tmp_path / "raw", *(p for p in tmp_path.iterdir() if p.name not in ("raw", "project")))
    outcome = kedro_run(project, "--pipelines", "benchmark", "--params", f"raw_data_root={raw},benchmark.profile=tiny")
    assert_refused(outcome, "holds data this project did not write", fragment, "changing nothing")
    after = checksums(tmp_path / "raw", *(p for p in tmp_path.iterdir() if p.name not in ("raw", "project")))
    assert after == before
    assert not list((project / "data" / "06_models").glob("*/*/*")), "refused before any generator was trained"


# --- interruption, mixed ingestions and concurrent runs (issue 16 items 3 and 6) ----------------------

SIAMESE = "subtask2_siamese.training.pairs_per_batch=8,subtask2_siamese.training.min_steps=0"


def siamese(project: Path, root: Path, *extra: str) -> Outcome:
    params = ",".join([f"raw_data_root={root}", f"ingestion.image_size={SIZE}", SIAMESE, *extra])
    return kedro_run(project, "--pipelines", "subtask2_siamese", "--params", params)


def test_an_unfinished_ingestion_is_never_mixed_with_the_last_one(project, raw, tmp_path):
    assert_ok(ingest(project, raw))
    other = write_sample_release(tmp_path / "other", image_size=SIZE, per_folder=4, seed=2)
    _unreadable(other)  # found while decoding subtask2_train: the splits decoded before it are rewritten
    assert_refused(ingest(project, other), "could not be read")
    outcome = siamese(project, raw, "subtask2_siamese.training.epochs=1")
    assert_refused(outcome, "which did not finish", "mixes two ingestions", "kedro run --pipelines ingestion")
    assert not versions(project, "07_model_output", "subtask2_siamese.csv"), "no result from the mix"
    assert_ok(ingest(project, raw))
    assert_ok(siamese(project, raw, "subtask2_siamese.training.epochs=1"))


def test_a_second_run_in_the_same_project_stops_with_one_line(project, raw):
    assert_ok(ingest(project, raw))
    before = checksums(project / "data", raw)
    lock = project / "data" / LOCK_NAME
    with lock.open("a+") as held:  # another run holds the project
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("pid 4242, started earlier, pipelines ['subtask2_siamese']")
        held.flush()
        outcome = ingest(project, raw)
    assert_refused(outcome, "Another kedro run is using this project folder", "pid 4242")
    assert checksums(project / "data", raw) == before
    assert_ok(ingest(project, raw))  # released with its holder


def test_the_lock_is_released_after_a_failed_run(project, raw, tmp_path):
    assert_refused(ingest(project, tmp_path / "typo"), "does not exist")
    with (project / "data" / LOCK_NAME).open("a+") as lock:  # another process could take it now
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert_ok(ingest(project, raw))


def _model_parameters(project: Path) -> dict:
    return json.loads(versions(project, "06_models", "subtask2_siamese_model_parameters.json")[-1].read_text())


def _history(project: Path) -> pd.DataFrame:
    return pd.read_csv(versions(project, "08_reporting", "subtask2_siamese_history.csv")[-1])


def test_fewer_epochs_never_return_an_older_longer_model(project, raw):
    assert_ok(ingest(project, raw))
    assert_ok(siamese(project, raw, "subtask2_siamese.training.epochs=3"))
    assert_ok(siamese(project, raw, "subtask2_siamese.training.epochs=2"))
    parameters, history = _model_parameters(project), _history(project)
    assert parameters["epochs"] == 2 and parameters["epochs_trained"] == 2
    assert parameters["epochs_from_checkpoint"] == 0 and not parameters["reused_finished_checkpoint"]
    assert history["epoch"].tolist() == [1, 2] and not history["from_checkpoint"].any()
    assert len(versions(project, "06_models", "subtask2_siamese_model.pt")) == 2, "the 3-epoch model is kept"
    assert_ok(siamese(project, raw, "subtask2_siamese.training.epochs=2"))
    assert _model_parameters(project)["reused_finished_checkpoint"] is True


def test_an_interrupted_training_resumes_where_it_stopped(project, raw, tmp_path, monkeypatch):
    from gans_fingerprints.models import siamese_training

    reference = make_scratch_project(tmp_path / "reference")
    for where in (project, reference):
        assert_ok(ingest(where, raw))
    assert_ok(siamese(reference, raw, "subtask2_siamese.training.epochs=3"))

    original, calls = siamese_training.validation_accuracy, {"n": 0}

    def power_cut_in_epoch_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return original(*args, **kwargs)

    monkeypatch.setattr(siamese_training, "validation_accuracy", power_cut_in_epoch_two)
    assert siamese(project, raw, "subtask2_siamese.training.epochs=3").exit_code == 1
    assert not versions(project, "06_models", "subtask2_siamese_model.pt")
    monkeypatch.setattr(siamese_training, "validation_accuracy", original)
    assert_ok(siamese(project, raw, "subtask2_siamese.training.epochs=3"))
    resumed, uninterrupted = _history(project), _history(reference)
    assert resumed["from_checkpoint"].tolist() == [True, False, False]
    pd.testing.assert_series_equal(resumed["train_loss"], uninterrupted["train_loss"])
    assert _model_parameters(project)["epochs_from_checkpoint"] == 1


# --- the real terminal: one line, no traceback; a clean git tree after a run --------------------------

@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--pipelines", "ingestion", "--params", "raw_data_root=/no/such/release"],
         "error: raw_data_root /no/such/release does not exist"),
        (["--namespaces", "subtask2_features.resnet5"],
         "error: Pipeline does not contain nodes with the following namespaces: ['subtask2_features.resnet5'] "
         "among the pipelines run. The namespaces are subtask2_features.mobilenet_v2, subtask2_features.resnet50"),
    ],
    ids=["mistyped_root", "mistyped_backbone_namespace"],
)
def test_the_terminal_shows_one_error_line(project, arguments, fragment):
    result = kedro_subprocess(project, *arguments)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(fragment), result.stderr[-2000:]


@pytest.mark.skipif(not (REPO_ROOT / ".git").exists(), reason="needs the project's git checkout")
def test_a_run_leaves_a_clean_git_tree(tmp_path, raw):
    """Issue 16 item 9: kedro-telemetry wrote a project_id into pyproject.toml on every run."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    result = kedro_subprocess(clone, "--pipelines", "ingestion", "--params", f"raw_data_root={raw}", telemetry_opt_out=False)
    assert result.returncode == 0, result.stderr[-2000:]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", status.stdout
