"""A stack written slot by slot into a spool file: compaction of skipped slots, the move on save, clean-up."""

from __future__ import annotations

import gc
import multiprocessing
import os
from pathlib import Path

import numpy as np

from gans_fingerprints.datasets import ImageStackDataset
from gans_fingerprints.stack_spool import StackSpool, release_pages, remove_stale_spools, write_slot


def _images(count: int, size: int = 6) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (count, size, size), dtype=np.uint8)


def test_slots_written_in_any_order_and_gaps_closed(tmp_path):
    images = _images(5)
    spool = StackSpool(5, 6, str(tmp_path))
    for slot in (4, 0, 2, 3):  # slot 1 is an unreadable file: never written
        spool.write(slot, images[slot])
    stack = spool.finish([0, 2, 3, 4])
    assert isinstance(stack, np.memmap) and not stack.flags.writeable
    assert np.array_equal(stack, images[[0, 2, 3, 4]])
    assert np.array_equal(np.load(spool.path), images[[0, 2, 3, 4]])  # header and length rewritten for 4 images


def test_other_processes_write_slots(tmp_path):
    images = _images(4)
    spool = StackSpool(4, 6, str(tmp_path))
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pool.starmap(write_slot, [(spool.path, 6, slot, images[slot]) for slot in range(4)])
    assert np.array_equal(spool.finish([0, 1, 2, 3]), images)


def test_saving_the_whole_map_moves_the_file_and_a_slice_is_copied(tmp_path):
    images = _images(3)
    (tmp_path / "spool").mkdir()
    spool = StackSpool(3, 6, str(tmp_path / "spool"))
    for slot in range(3):
        spool.write(slot, images[slot])
    stack = spool.finish([0, 1, 2])
    sliced = ImageStackDataset(filepath=str(tmp_path / "first_two.npy"))
    sliced.save(stack[:2])
    assert Path(spool.path).exists()  # a slice is written as a copy: the spool is not taken from under the map
    whole = ImageStackDataset(filepath=str(tmp_path / "stack.npy"))
    whole.save(stack)
    assert not Path(spool.path).exists()  # moved, not copied
    assert np.array_equal(whole.load(), images) and np.array_equal(sliced.load(), images[:2])
    assert np.array_equal(stack, images)  # the node's map still reads the moved file
    again = ImageStackDataset(filepath=str(tmp_path / "again.npy"))
    again.save(stack)  # a second save of the same map: a copy
    assert np.array_equal(again.load(), images)
    del stack
    gc.collect()  # the map's clean-up deletes its spool path, never the stack it was moved to
    assert np.array_equal(whole.load(), images)
    assert (tmp_path / "stack.npy").stat().st_mode & 0o777 == 0o666 & ~_umask()  # readable as any saved file


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_spool_folder_is_made_and_stale_spools_are_swept(tmp_path):
    folder = tmp_path / "not" / "yet"
    spool = StackSpool(1, 6, str(folder))
    assert Path(spool.path).parent == folder
    assert remove_stale_spools(str(folder)) == 1 and not Path(spool.path).exists()
    assert remove_stale_spools(str(tmp_path / "absent")) == 0


def test_stacks_are_written_a_block_at_a_time(tmp_path, monkeypatch):
    from gans_fingerprints.datasets import image_stack

    monkeypatch.setattr(image_stack, "BLOCK_BYTES", 50)  # under one 6x6 image: one image per block
    dataset = ImageStackDataset(filepath=str(tmp_path / "s.npy"))
    dataset.save(_images(5))
    assert np.array_equal(dataset.load(), _images(5))


def test_spool_file_is_removed_with_its_map_or_on_discard(tmp_path):
    spool = StackSpool(2, 6, str(tmp_path))
    spool.write(0, _images(1)[0])
    stack = spool.finish([0])
    path = Path(spool.path)
    assert path.exists()
    del stack
    gc.collect()
    assert not path.exists()
    discarded = StackSpool(2, 6, str(tmp_path))
    discarded.discard()
    assert not Path(discarded.path).exists()
    empty = StackSpool(2, 6, str(tmp_path)).finish([])
    assert empty.shape == (0, 6, 6) and list(tmp_path.iterdir()) == []


def test_released_pages_still_read_back(tmp_path):
    dataset = ImageStackDataset(filepath=str(tmp_path / "s.npy"))
    dataset.save(_images(4))
    loaded = dataset.load()
    total = int(loaded.sum())
    release_pages(loaded)
    assert int(loaded.sum()) == total
    release_pages(np.zeros(3))  # not a map: nothing to do
