"""Decoding a split's image files into a manifest and a ``uint8`` stack; unreadable images are skipped and counted."""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import DatasetError
from PIL import Image, UnidentifiedImageError

from gans_fingerprints.datasets import ImageFolder
from gans_fingerprints.imaging import (
    UnsupportedImageModeError,
    content_hash,
    resize_square,
    to_grayscale_array,
)
from gans_fingerprints.layout import FolderSpec, image_id
from gans_fingerprints.pipelines.ingestion.common import LOGGER_NAME, MAX_LISTED_FILES, IngestionError
from gans_fingerprints.pipelines.ingestion.discovery import FolderTally, SplitFiles
from gans_fingerprints.progress import track

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

DECODE_ERRORS = (
    DatasetError,  # what Kedro's pillow dataset wraps any decoding failure in
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
    UnsupportedImageModeError,
)
OBJECT_REPR = re.compile(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>")
"""``<_io.BytesIO object at 0x7f...>`` in Pillow's messages: noise in a report, different every run."""


def empty_manifest() -> pd.DataFrame:
    """A manifest with no rows and the right columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in MANIFEST_COLUMNS.items()})


def read_split(files: SplitFiles, params: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """Decode the files :func:`discover_split` found into a manifest, a stack and a summary; empty if the subtask is absent."""
    size = int(params["image_size"])
    if not files.present:
        return _absent_split(files, size)
    capacity = sum(len(names) for names in files.images.values())
    # np.empty reserves address space only: memory is committed as images are written.
    stack = np.empty((capacity, size, size), dtype=np.uint8)
    rows: list[dict[str, Any]] = []
    workers = decode_workers(params, capacity)
    with _pool(workers) as pool:
        if workers > 1:
            logger.info("Decoding %s's %d images on %d processes.", files.split.key, capacity, workers)
        for folder in files.folders:
            _read_folder(files, folder, params, stack, rows, pool)
    manifest = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)).astype(MANIFEST_COLUMNS) if rows else empty_manifest()
    duplicates = int(manifest["content_hash"].duplicated().sum())
    if duplicates:
        logger.warning("%s holds %d image(s) whose content repeats another image of the split.", files.split.key, duplicates)
    summary = _summary(files, size, len(rows), duplicates)
    logger.info("Ingested %s: %d images, %d skipped as unreadable.", files.split.key, len(rows), len(files.tally.bad_files))
    return manifest, stack[: len(rows)], summary


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


def decode_workers(params: dict[str, Any], images: int) -> int:
    """Processes that decode a split: ``workers`` (``auto``: the cores available) for a split of at least
    ``parallel_from_images`` images; one (this process) below that, where starting processes costs more than it saves."""
    from gans_fingerprints.devices import cpu_budget  # noqa: PLC0415

    setting = params.get("workers", "auto")
    workers = cpu_budget() if setting in ("auto", None) else int(setting)
    if workers < 1:
        raise IngestionError(f"ingestion.workers must be 'auto' or a positive integer, got {setting!r} (parameters_ingestion.yml)")
    if multiprocessing.current_process().daemon:  # a Dask worker may not start processes: decode here
        return 1
    return workers if images >= int(params.get("parallel_from_images", 2000)) else 1


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A process pool (forkserver: no fork of a process that holds torch's threads) or None for one process."""
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield pool


def decode_for_stack(loader: Callable[[], Image.Image], size: int) -> tuple[tuple | None, str | None]:
    """One file decoded for the stack: ``((pixels at size, width, height, mode, content hash), None)``, or
    ``(None, reason)`` when it cannot be read. Runs in a worker process for a large split."""
    try:
        pixels, width, height, mode = _decode(loader)
    except DECODE_ERRORS as error:
        return None, _failure_reason(error)
    return (resize_square(pixels, size), width, height, mode, content_hash(pixels)), None


def _decoded(files: SplitFiles, names: list[str], size: int, pool: ProcessPoolExecutor | None) -> Iterator[tuple]:
    """Each file's :func:`decode_for_stack` result, in order: here, or on the pool's processes."""
    loaders = [files.source.files[relative] for relative in names]
    if pool is None:
        return (decode_for_stack(loader, size) for loader in loaders)
    return pool.map(functools.partial(decode_for_stack, size=size), loaders, chunksize=64)


def _read_folder(
    files: SplitFiles, folder: FolderSpec, params: dict[str, Any], stack: np.ndarray, rows: list[dict[str, Any]],
    pool: ProcessPoolExecutor | None = None,
) -> None:
    """Decode one folder's images into ``stack`` and ``rows`` (skipping unreadable ones); refuse it if too many are."""
    subtask_images, tally = files.source, files.tally
    folder_tally = tally.folders[folder.relative_dir]
    names = files.images[folder.relative_dir]
    results = _decoded(files, names, stack.shape[1], pool)
    for relative, result in track(zip(names, results, strict=True), f"{files.split.key}: {folder.relative_dir}", total=len(names)):
        row = _read_image(files, folder, relative, result, stack, len(rows))
        if row is None:
            continue
        rows.append(row)
        folder_tally.images += 1
    _check_folder_quality(
        subtask_images, folder.relative_dir, folder_tally, tally.bad_files, float(params["max_bad_fraction"])
    )
    if folder_tally.resized:
        logger.warning(
            "Resized %d image(s) in %s to %dx%d.",
            folder_tally.resized,
            subtask_images.location(folder.relative_dir),
            stack.shape[1],
            stack.shape[1],
        )


def _read_image(
    files: SplitFiles, folder: FolderSpec, relative: str, result: tuple, stack: np.ndarray, index: int
) -> dict[str, Any] | None:
    """Write one decoded file into ``stack[index]`` and return its manifest row; ``None``, counted and warned, if unreadable."""
    subtask_images, split, tally = files.source, files.split, files.tally
    folder_tally = tally.folders[folder.relative_dir]
    location = subtask_images.location(relative)
    decoded, reason = result
    if decoded is None:
        folder_tally.bad += 1
        tally.bad_files.append({"path": location, "reason": reason})
        logger.warning("Skipping unreadable image %s (%s).", location, reason)
        return None
    pixels_at_size, width, height, mode, pixels_hash = decoded
    size = stack.shape[1]
    if mode != "L":
        tally.converted_modes[mode] += 1
    resized = (height, width) != (size, size)
    if resized:
        folder_tally.resized += 1
        tally.resized_from[f"{width}x{height}"] += 1
        logger.debug("Resizing %s from %dx%d to %dx%d", location, width, height, size, size)
    stack[index] = pixels_at_size
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


def _decode(loader: Callable[[], Image.Image]) -> tuple[np.ndarray, int, int, str]:
    """Decode one file into native-size grayscale plus its original width, height and mode."""
    with loader() as image:
        width, height = image.size
        mode = image.mode
        return to_grayscale_array(image), width, height, mode


def _failure_reason(error: BaseException) -> str:
    """The root cause of a decoding failure, without Kedro's wrapping or Python object addresses."""
    while isinstance(error, DatasetError) and error.__cause__ is not None:
        error = error.__cause__
    reason = f"{type(error).__name__}: {error}".replace("\n", " ")
    return OBJECT_REPR.sub("", reason).strip()


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
