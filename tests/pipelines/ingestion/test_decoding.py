"""Unit tests of decoding images into manifests and stacks: modes, sizes, unreadable files, absent subtasks."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gans_fingerprints.pipelines.ingestion.common import IngestionError
from gans_fingerprints.pipelines.ingestion.decoding import MANIFEST_COLUMNS
from tests.pipelines.ingestion.harness import SPLIT, ingest


def test_ingests_every_split_in_natural_order(sample_root):
    for key in SPLIT:
        manifest, stack, summary = ingest(sample_root, key)
        assert list(manifest.columns) == list(MANIFEST_COLUMNS)
        assert stack.dtype == np.uint8 and stack.shape == (len(manifest), 32, 32)
        assert manifest["stack_index"].tolist() == list(range(len(manifest)))
        assert summary["status"] == "ingested" and summary["bad_images"] == 0
    manifest, stack, _ = ingest(sample_root, "subtask2_train")
    assert len(manifest) == 30
    assert manifest.groupby(["role", "subset"]).size().eq(3).all()
    first = manifest.iloc[0]
    pixels = np.asarray(Image.open(sample_root / first["relative_path"]))
    assert np.array_equal(stack[0], pixels)
    s1, _, _ = ingest(sample_root, "subtask1_train")
    assert s1.groupby("membership", dropna=False).size().to_dict() == {"not_used": 3, "used": 3, pd.NA: 6}


def test_bad_files_are_skipped_warned_and_counted(sample_root, caplog):
    folder = sample_root / "subtask2" / "train" / "real" / "t1"
    (folder / "zero.png").write_bytes(b"")
    (folder / "text.png").write_text("not an image")
    good = (folder / "t1_0001.png").read_bytes()
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])
    with caplog.at_level(logging.WARNING):
        manifest, stack, summary = ingest(sample_root, "subtask2_train", max_bad_fraction=0.6)
    assert summary["bad_images"] == 3
    assert summary["folders"]["train/real/t1"]["bad"] == 3
    assert {Path(entry["path"]).name for entry in summary["bad_files"]} == {"zero.png", "text.png", "truncated.png"}
    for name in ("zero.png", "text.png", "truncated.png"):
        assert any(name in record.getMessage() for record in caplog.records)
    assert len(manifest) == 30 and len(stack) == 30


def test_too_many_bad_files_fail_the_run(sample_root):
    folder = sample_root / "subtask2" / "train" / "real" / "t1"
    (folder / "zero.png").write_bytes(b"")
    with pytest.raises(IngestionError, match=r"1 of 4 images .*real/t1.*max_bad_fraction=0\.2"):
        ingest(sample_root, "subtask2_train", max_bad_fraction=0.2)


def test_colour_palette_and_16_bit_images_are_converted(sample_root):
    folder = sample_root / "subtask1" / "test" / "generated"
    rgb = np.zeros((32, 32, 3), dtype=np.uint8)
    rgb[..., 1] = 100
    Image.fromarray(rgb, "RGB").save(folder / "zz_rgb.png")
    Image.fromarray(np.dstack([rgb, np.full((32, 32), 255, np.uint8)]), "RGBA").save(folder / "zz_rgba.png")
    Image.fromarray(rgb, "RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(folder / "zz_palette.png")
    Image.fromarray(np.full((32, 32), 65535, dtype=np.uint16)).save(folder / "zz_16bit.png")
    Image.fromarray(rgb, "RGB").save(folder / "zz_colour.jpg", quality=95)
    manifest, stack, summary = ingest(sample_root, "subtask1_test")
    rows = manifest.set_index("image_id")
    assert summary["bad_images"] == 0
    assert set(summary["converted_modes"]) >= {"RGB", "RGBA", "P"}
    assert stack[rows.loc["zz_16bit", "stack_index"]].min() == 255
    green_luma = round(0.587 * 100)
    for name in ("zz_rgb", "zz_rgba", "zz_palette"):
        assert abs(int(stack[rows.loc[name, "stack_index"]].mean()) - green_luma) <= 1


def test_other_sizes_are_resized_with_a_counted_warning(sample_root, caplog):
    folder = sample_root / "subtask2" / "test" / "generated_unknown"
    Image.new("L", (48, 40), 77).save(folder / "99999.png")
    with caplog.at_level(logging.WARNING):
        manifest, stack, summary = ingest(sample_root, "subtask2_test")
    row = manifest.set_index("image_id").loc["99999"]
    assert bool(row["resized"]) and (row["width"], row["height"]) == (48, 40)
    assert stack[row["stack_index"]].shape == (32, 32) and int(stack[row["stack_index"]].mean()) == 77
    assert summary["resized_from"] == {"48x40": 1}
    assert any("Resized 1 image(s)" in r.getMessage() for r in caplog.records)


def test_missing_subtask_yields_empty_outputs(sample_root, caplog):
    shutil.rmtree(sample_root / "subtask1")
    with caplog.at_level(logging.WARNING):
        manifest, stack, summary = ingest(sample_root, "subtask1_test")
    assert manifest.empty and list(manifest.columns) == list(MANIFEST_COLUMNS)
    assert stack.shape == (0, 32, 32)
    assert summary["status"] == "absent"
    assert any("No subtask1 folder" in r.getMessage() for r in caplog.records)


def test_skip_reasons_carry_no_memory_address(sample_root):
    (sample_root / "subtask2" / "test" / "generated_unknown" / "broken.png").write_bytes(b"not an image at all")
    _, _, summary = ingest(sample_root, "subtask2_test")
    reason = summary["bad_files"][0]["reason"]
    assert "cannot identify image file" in reason and "0x" not in reason


def test_decoding_on_worker_processes_gives_the_same_manifest_stack_and_report(sample_root):
    folder = sample_root / "subtask2" / "train" / "real" / "t1"
    (folder / "zero.png").write_bytes(b"")  # unreadable: skipped and counted on a worker too
    Image.new("L", (48, 40), 77).save(folder / "t1_9999.png")  # resized on a worker
    here = ingest(sample_root, "subtask2_train", max_bad_fraction=0.6, workers=1)
    pooled = ingest(sample_root, "subtask2_train", max_bad_fraction=0.6, workers=2, parallel_from_images=1)
    pd.testing.assert_frame_equal(here[0], pooled[0])
    assert np.array_equal(here[1], pooled[1])
    here[2].pop("ingestion_run"), pooled[2].pop("ingestion_run")  # each ingestion has its own id
    assert here[2] == pooled[2] and pooled[2]["bad_images"] == 1 and pooled[2]["resized_from"] == {"48x40": 1}


def test_small_splits_are_decoded_in_this_process():
    from gans_fingerprints.pipelines.ingestion.decoding import decode_workers

    assert decode_workers({"workers": 4, "parallel_from_images": 2000}, 1999) == 1
    assert decode_workers({"workers": 4, "parallel_from_images": 2000}, 2000) == 4
    with pytest.raises(IngestionError, match=r"ingestion\.workers"):
        decode_workers({"workers": 0}, 5000)


def test_split_is_spooled_to_disk_and_a_refused_split_leaves_no_file(sample_root, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    manifest, stack, _ = ingest(sample_root, "subtask2_train", spool_dir=str(spool))
    assert isinstance(stack, np.memmap) and Path(stack.filename).parent == spool  # on disk, not in memory
    assert len(stack) == len(manifest) == 30
    (sample_root / "subtask2" / "train" / "real" / "t1" / "zero.png").write_bytes(b"")
    with pytest.raises(IngestionError):
        ingest(sample_root, "subtask2_train", max_bad_fraction=0.2, spool_dir=str(spool))
    # The second ingestion swept the first one's spool (never saved: stale), and discarded its own when refused.
    assert list(spool.iterdir()) == []


def test_ingestion_and_its_run_record_never_import_torch():
    """Torch costs a process about half a gigabyte: an ingestion run (its nodes, the hooks' device line) does without."""
    code = ("import sys; import gans_fingerprints.pipelines.ingestion.nodes, gans_fingerprints.hooks; "
            "from gans_fingerprints.run_record import device_description; line = device_description(); "
            "assert 'torch' not in sys.modules, 'torch imported'; assert 'torch not imported' in line, line")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
