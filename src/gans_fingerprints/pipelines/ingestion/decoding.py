"""Decoding a split's image files into a manifest and a ``uint8`` stack; unreadable images are skipped and counted."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import logging
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from gans_fingerprints import image_decoding
from gans_fingerprints.cores import cpu_budget
from gans_fingerprints.datasets import ImageFolder
from gans_fingerprints.image_decoding import decode_into_slot
from gans_fingerprints.layout import FolderSpec, image_id
from gans_fingerprints.pipelines.ingestion.common import LOGGER_NAME, MAX_LISTED_FILES, IngestionError
from gans_fingerprints.pipelines.ingestion.discovery import FolderTally, SplitFiles
from gans_fingerprints.progress import track
from gans_fingerprints.stack_spool import StackSpool

logger = logging.getLogger(LOGGER_NAME)

MANIFEST_COLUMNS: dict[str, str] = {
    "image_id": "string",
    "relative_path": "string",
    "subtask": "string",
    "split": "string",
    "folder": "string",
    "role": "string",
    "subset": "string",
    "membership": "string",
    "width": "int64",
    "height": "int64",
    "mode": "string",
    "content_hash": "string",
    "resized": "bool",
    "stack_index": "int64",
}
"""Columns of every manifest table, in order, with their pandas dtypes."""

DECODE_CHUNK = 16
"""Files a worker process decodes per task: small enough to keep every process busy to the split's end."""


def empty_manifest() -> pd.DataFrame:
    """A manifest with no rows and the right columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in MANIFEST_COLUMNS.items()})


def read_split(
    files: SplitFiles, params: dict[str, Any], spool_folder: str | None = None
) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """Decode the files :func:`discover_split` found into a manifest, a stack and a summary; empty if the subtask is absent.

    Every image is written into a spool file in ``spool_folder`` (None: the system's temporary folder) as it
    is decoded, by this process or by the pool's, so memory stays flat whatever the split's size; the stack
    returned maps that file, and saving it moves the file.
    """
    size = int(params["image_size"])
    if not files.present:
        return _absent_split(files, size)
    capacity = sum(len(names) for names in files.images.values())
    workers = decode_workers(params, capacity)
    decoded = _Decoded(StackSpool(capacity, size, spool_folder))
    started = time.perf_counter()
    try:
        with _pool(workers, _loader_modules(files)) as pool:
            if workers > 1:
                logger.info("Decoding %s's %d images on %d processes.", files.split.key, capacity, workers)
            results = _decoded(files, decoded.spool, pool)  # one stream for the split: no pause between folders
            for folder in files.folders:
                _read_folder(files, folder, params, decoded, results)
        stack = decoded.spool.finish(decoded.kept)
    except BaseException:
        decoded.spool.discard()
        raise
    rows = decoded.rows
    seconds = time.perf_counter() - started
    manifest = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)).astype(MANIFEST_COLUMNS) if rows else empty_manifest()
    duplicates = int(manifest["content_hash"].duplicated().sum())
    if duplicates:
        logger.warning("%s holds %d image(s) whose content repeats another image of the split.", files.split.key, duplicates)
    summary = _summary(files, size, len(rows), duplicates)
    logger.info("Ingested %s: %d images in %.1f s (%.0f images/s, %d process(es)), %d skipped as unreadable.",
                files.split.key, len(rows), seconds, capacity / max(seconds, 1e-9), workers, len(files.tally.bad_files))
    return manifest, stack, summary


def _absent_split(files: SplitFiles, size: int) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """What a split of a subtask folder that does not exist gives: an empty manifest and stack, with a warning."""
    logger.warning(
        "No %s folder at %s: skipping %s (its pipelines will have no data).",
        files.split.subtask,
        files.source.root,
        files.split.key,
    )
    summary = {"status": "absent", "root": files.source.root, "images": 0}
    return empty_manifest(), np.zeros((0, size, size), dtype=np.uint8), summary


def _loader_modules(files: SplitFiles) -> list[str]:
    """The module of the dataset class that loads this split's files (Kedro's pillow dataset by default)."""
    loader = next(iter(files.source.files.values()), None)
    dataset_type = getattr(loader, "dataset_type", None)
    return [dataset_type.__module__] if dataset_type is not None else []


def decode_workers(params: dict[str, Any], images: int) -> int:
    """Processes that decode a split: ``workers`` (``auto``: the cores available) for a split of at least
    ``parallel_from_images`` images; one (this process) below that, where starting processes costs more than it saves."""
    setting = params.get("workers", "auto")
    workers = cpu_budget() if setting in ("auto", None) else int(setting)
    if workers < 1:
        raise IngestionError(f"ingestion.workers must be 'auto' or a positive integer, got {setting!r} (parameters_ingestion.yml)")
    if multiprocessing.current_process().daemon:  # a Dask worker may not start processes: decode here
        return 1
    return workers if images >= int(params.get("parallel_from_images", 2000)) else 1


@contextlib.contextmanager
def _pool(workers: int, modules: list[str]) -> Iterator[ProcessPoolExecutor | None]:
    """A process pool or None for one process. Forkserver: no fork of a process that holds torch's threads;
    the worker's code (:mod:`gans_fingerprints.image_decoding`, lean: no pandas) and the file loaders'
    ``modules`` are imported once in the server, not in every worker."""
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([image_decoding.__name__, *modules])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        yield pool
    except BaseException:  # a refused folder or Ctrl-C: the images not yet decoded are not decoded
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _decoded(files: SplitFiles, spool: StackSpool, pool: ProcessPoolExecutor | None) -> Iterator[tuple[int, tuple]]:
    """``(slot, result)`` of each file's :func:`decode_into_slot`, folder after folder in order (slot ``i``: the
    split's ``i``-th file): here, or on the pool's processes."""
    names = (relative for folder in files.folders for relative in files.images[folder.relative_dir])
    items = [(slot, files.source.files[relative]) for slot, relative in enumerate(names)]
    decode = functools.partial(decode_into_slot, spool_path=spool.path, size=spool.size)
    results = map(decode, items) if pool is None else pool.map(decode, items, chunksize=DECODE_CHUNK)
    return enumerate(results)


@dataclasses.dataclass
class _Decoded:
    """A split's decoding so far: its spool file, the manifest rows and the spool slots of the images kept."""

    spool: StackSpool
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    kept: list[int] = dataclasses.field(default_factory=list)


def _read_folder(
    files: SplitFiles, folder: FolderSpec, params: dict[str, Any], decoded: _Decoded, results: Iterator[tuple[int, tuple]],
) -> None:
    """Take one folder's images from the split's ``results`` into ``decoded``'s rows (their pixels are in the
    spool already), skipping unreadable files; refuse the folder if too many are."""
    subtask_images, tally, spool = files.source, files.tally, decoded.spool
    folder_tally = tally.folders[folder.relative_dir]
    names = files.images[folder.relative_dir]
    folder_results = itertools.islice(results, len(names))
    progress = track(zip(names, folder_results, strict=True), f"{files.split.key}: {folder.relative_dir}", total=len(names))
    for relative, (slot, result) in progress:
        row = _read_image(files, folder, relative, result, spool.size, len(decoded.rows))
        if row is None:
            continue
        decoded.rows.append(row)
        decoded.kept.append(slot)
        folder_tally.images += 1
    _check_folder_quality(
        subtask_images, folder.relative_dir, folder_tally, tally.bad_files, float(params["max_bad_fraction"])
    )
    if folder_tally.resized:
        logger.warning(
            "Resized %d image(s) in %s to %dx%d.",
            folder_tally.resized,
            subtask_images.location(folder.relative_dir),
            spool.size,
            spool.size,
        )


def _read_image(
    files: SplitFiles, folder: FolderSpec, relative: str, result: tuple, size: int, index: int
) -> dict[str, Any] | None:
    """The manifest row of one decoded file, image ``index`` of the stack; ``None``, counted and warned, if unreadable."""
    subtask_images, split, tally = files.source, files.split, files.tally
    folder_tally = tally.folders[folder.relative_dir]
    location = subtask_images.location(relative)
    decoded, reason = result
    if decoded is None:
        folder_tally.bad += 1
        tally.bad_files.append({"path": location, "reason": reason})
        logger.warning("Skipping unreadable image %s (%s).", location, reason)
        return None
    width, height, mode, pixels_hash = decoded
    if mode != "L":
        tally.converted_modes[mode] += 1
    resized = (height, width) != (size, size)
    if resized:
        folder_tally.resized += 1
        tally.resized_from[f"{width}x{height}"] += 1
        logger.debug("Resizing %s from %dx%d to %dx%d", location, width, height, size, size)
    return {
        "image_id": image_id(relative.rpartition("/")[2]),
        "relative_path": f"{split.subtask}/{relative}",
        "subtask": split.subtask,
        "split": split.split,
        "folder": folder.relative_dir,
        "role": folder.role,
        "subset": folder.subset,
        "membership": folder.membership,
        "width": width,
        "height": height,
        "mode": mode,
        "content_hash": pixels_hash,
        "resized": resized,
        "stack_index": index,
    }


def _summary(files: SplitFiles, size: int, images: int, duplicates: int) -> dict[str, Any]:
    """The split's record in the ingestion report: counts per folder, skipped, resized, converted and stray files."""
    tally = files.tally
    return {
        "status": "ingested",
        "root": files.source.root,
        "images": images,
        "image_size": size,
        "folders": {name: counts.as_dict() for name, counts in tally.folders.items()},
        "bad_images": len(tally.bad_files),
        "bad_files": tally.bad_files,
        "resized_images": sum(tally.resized_from.values()),
        "resized_from": dict(tally.resized_from),
        "converted_modes": dict(tally.converted_modes),
        "unexpected_files": len(tally.unexpected_files),
        "unexpected_file_list": tally.unexpected_files[:MAX_LISTED_FILES],
        "duplicate_images_within_split": duplicates,
    }


def _check_folder_quality(
    images: ImageFolder, folder: str, tally: FolderTally, bad_files: list[dict[str, str]], max_bad_fraction: float
) -> None:
    candidates = tally.images + tally.bad  # never 0: discover_split refuses folders without images
    if tally.bad / candidates > max_bad_fraction:
        listed = [entry["path"] for entry in bad_files if entry["path"].startswith(images.location(folder) + "/")]
        raise IngestionError(
            f"{tally.bad} of {candidates} images in {images.location(folder)} could not be read, more than "
            f"max_bad_fraction={max_bad_fraction} allows (parameters_ingestion.yml). Replace the broken files, "
            f"e.g. {listed[:5]}, or raise the parameter."
        )
