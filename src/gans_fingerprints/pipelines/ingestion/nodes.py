"""Ingestion nodes: release folders in, manifest tables and uint8 image stacks out."""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import DatasetError
from PIL import Image, UnidentifiedImageError

from gans_fingerprints.datasets import ImageFolder, RawDataRoot
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.evaluation.splits import holdout_split
from gans_fingerprints.imaging import (
    UnsupportedImageModeError,
    content_hash,
    resize_square,
    to_grayscale_array,
)
from gans_fingerprints.layout import (
    GENERATED_SUBSET_PATTERN,
    LAYOUT_DOC,
    SPLITS,
    FolderSpec,
    SplitSpec,
    expected_folders,
    has_image_suffix,
    image_id,
    is_image_file,
    is_known_stray_file,
    natural_key,
    natural_order,
    run_file_id_problem,
)
from gans_fingerprints.progress import track

logger = logging.getLogger(__name__)

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
MAX_LISTED_FILES = 50
OBJECT_REPR = re.compile(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>")
"""``<_io.BytesIO object at 0x7f...>`` in Pillow's messages: noise in a report, different every run."""
RUN_ATTRIBUTE = "ingestion_run"
"""``DataFrame.attrs`` key (kept in the Parquet files) holding the id of the ingestion that wrote a table."""


class IngestionError(UserInputError, ValueError):
    """The raw data does not have the layout or quality the project needs; the message says how to fix it."""


@dataclass
class FolderTally:
    """Counts kept for one folder while it is read."""

    images: int = 0
    bad: int = 0
    resized: int = 0
    ignored: int = 0
    unsupported: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class SplitTally:
    """Everything one split's ingestion has to say in the report."""

    folders: dict[str, FolderTally] = field(default_factory=dict)
    bad_files: list[dict[str, str]] = field(default_factory=list)
    unexpected_files: list[str] = field(default_factory=list)
    converted_modes: Counter[str] = field(default_factory=Counter)
    resized_from: Counter[str] = field(default_factory=Counter)


def empty_manifest() -> pd.DataFrame:
    """A manifest with no rows and the right columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in MANIFEST_COLUMNS.items()})


def _stamped(table: pd.DataFrame, run_id: str | None) -> pd.DataFrame:
    table.attrs[RUN_ATTRIBUTE] = run_id
    return table


def start_ingestion(
    raw_root: RawDataRoot,
    subtask1_images: ImageFolder,
    subtask2_images: ImageFolder,
    subtask1_truth: pd.DataFrame | None,
    subtask2_truth: pd.DataFrame | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Check everything that needs no decoding, before any split is written; returns the run and its files.

    A root that does not exist, is a file or holds neither ``subtask1/`` nor ``subtask2/`` is
    almost always a mistyped ``raw_data_root``: it stops the run instead of replacing every
    manifest and stack with empty ones. Layout, id and ground-truth problems of any split stop
    it too, so such an ingestion writes all splits or none; only unreadable images and an
    interruption can stop it half-way, and the run id guards against that.
    """
    _check_root(raw_root)
    images = {"subtask1": subtask1_images, "subtask2": subtask2_images}
    splits = {split.key: discover_split(images[split.subtask], params, split) for split in SPLITS}
    validate_subtask1_truth(_listed(splits["subtask1_test"]), subtask1_truth, after_decoding=False)
    validate_subtask2_truth(_listed(splits["subtask2_test"]), subtask2_truth, params, after_decoding=False)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    logger.info("Ingestion %s of %s.", run_id, raw_root.path)
    return {"run_id": run_id, "root": raw_root.path, "splits": splits}


def _listed(files: SplitFiles) -> pd.DataFrame:
    """The ids and roles of a split's image files, as a manifest would list them if all decode."""
    rows = [
        {"image_id": image_id(name.rpartition("/")[2]), "role": folder.role}
        for folder in files.folders
        for name in files.images[folder.relative_dir]
    ]
    return pd.DataFrame(rows, columns=["image_id", "role"])


def _check_root(raw_root: RawDataRoot) -> None:
    fix = f"Check the path given with --params raw_data_root=... ({LAYOUT_DOC})."
    if raw_root.kind == "broken_link":
        raise IngestionError(f"raw_data_root {raw_root.path} is a link to {raw_root.links['']}, which does not exist. {fix}")
    if raw_root.kind == "missing":
        raise IngestionError(f"raw_data_root {raw_root.path} does not exist. {fix}")
    if raw_root.kind == "file":
        raise IngestionError(f"raw_data_root {raw_root.path} is a file, not a folder. {fix}")
    if raw_root.kind == "unreadable":
        raise IngestionError(f"raw_data_root {raw_root.path} cannot be read ({raw_root.reason}). {fix}")
    if not {"subtask1", "subtask2"} & set(raw_root.entries):
        holds = f"it holds {list(raw_root.entries)[:5]}" if raw_root.entries else "it is empty"
        raise IngestionError(
            f"raw_data_root {raw_root.path} holds neither subtask1/ nor subtask2/ ({holds}). {fix} "
            "To make the synthetic benchmark there, run `kedro run --pipelines benchmark` first."
        )
    for name in ("subtask1", "subtask2", "ground_truth"):
        kind = raw_root.entries.get(name)
        if kind == "broken_link":  # would read as an absent subtask and replace its tables with empty ones
            raise IngestionError(
                f"{raw_root.path}/{name} is a link to {raw_root.links[name]}, which does not exist (a broken link). "
                f"Mount or fix its target, or remove the link if that part of the data is absent on purpose."
            )
        if kind == "file":
            raise IngestionError(f"{raw_root.path}/{name} is a file; the layout needs a folder there ({LAYOUT_DOC}).")


def _generated_folder_names(images: ImageFolder, split: SplitSpec, subsets: list[str]) -> dict[str, str]:
    """Map each subset to its generated folder on disk, accepting ``gen_tK`` or ``tK``."""
    parent = f"{split.split}/generated/"
    found: dict[str, list[str]] = {}
    for directory in images.directories:
        if directory.startswith(parent) and "/" not in directory[len(parent) :]:
            name = directory[len(parent) :]
            match = GENERATED_SUBSET_PATTERN.match(name)
            if match:
                found.setdefault(match.group(1), []).append(name)
    chosen: dict[str, str] = {}
    for subset in subsets:
        names = sorted(found.get(subset, []))
        if len(names) > 1:
            places = " and ".join(images.location(parent + name) for name in names)
            raise IngestionError(
                f"Both {places} exist; keep one folder of generated images per subset ({LAYOUT_DOC})."
            )
        if names:
            chosen[subset] = names[0]
    return chosen


def _check_folders_exist(images: ImageFolder, folders: list[FolderSpec]) -> None:
    for folder in folders:
        if folder.relative_dir in images.broken_links:
            raise IngestionError(
                f"Expected folder {images.location(folder.relative_dir)} is a link to "
                f"{images.broken_links[folder.relative_dir]}, which does not exist (a broken link). "
                f"Point it at the real folder: ln -sfn /path/to/folder {images.location(folder.relative_dir)}"
            )
        if folder.relative_dir not in images.directories:
            raise IngestionError(
                f"Expected folder {images.location(folder.relative_dir)} does not exist. "
                f"Lay the data out as described in {LAYOUT_DOC}, or point the project elsewhere "
                f"with `kedro run --params raw_data_root=/path/to/data`."
            )


def _sort_files(
    images: ImageFolder, split: SplitSpec, folders: list[FolderSpec], tally: SplitTally
) -> dict[str, list[str]]:
    """Assign the split's files to their folders (natural order); tally strays and unexpected files."""
    by_folder: dict[str, list[str]] = {folder.relative_dir: [] for folder in folders}
    unexpected: Counter[str] = Counter()
    for relative in images.files:
        top = relative.partition("/")[0]
        # Files outside train/ and test/ belong to no split; the train split reports them once.
        outside_splits = top not in ("train", "test") and split.split == "train"
        if top != split.split and not outside_splits:
            continue
        parent, _, name = relative.rpartition("/")
        if parent in by_folder:
            by_folder[parent].append(relative)
        elif is_known_stray_file(name):
            logger.debug("Ignoring stray file %s", images.location(relative))
        else:
            unexpected[parent] += 1
            tally.unexpected_files.append(relative)
    for parent, count in sorted(unexpected.items()):
        logger.warning(
            "Skipping %d file(s) in %s: not a folder of the expected layout (%s).",
            count,
            images.location(parent),
            LAYOUT_DOC,
        )
    for names in by_folder.values():
        names.sort(key=lambda path: natural_key(path.rpartition("/")[2]))
    return by_folder


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


def _check_ids(images: ImageFolder, names: list[str]) -> None:
    """Ids must be unique within a folder and fit in a run file; checked before any image is decoded."""
    seen: dict[str, str] = {}
    for relative in names:
        identifier = image_id(relative.rpartition("/")[2])
        problem = run_file_id_problem(identifier)
        if problem:
            raise IngestionError(
                f"{images.location(relative)} has the image id {identifier!r}, which cannot go into a run file: "
                f"{problem}. Rename the file ({LAYOUT_DOC})."
            )
        if identifier in seen:
            raise IngestionError(
                f"{images.location(seen[identifier])} and {images.location(relative)} share the image id "
                f"{identifier!r} (file name without extension); ids must be unique within a folder."
            )
        seen[identifier] = relative


def ingest_split(
    run: dict[str, Any], params: dict[str, Any], split: SplitSpec
) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """Decode one split (found by :func:`start_ingestion`) into a manifest, a ``uint8`` (n, size, size)
    stack and a summary.

    Row ``i`` of the manifest describes image ``i`` of the stack; the manifest carries the
    ingestion's run id. A subtask folder that is absent altogether gives an empty manifest and
    stack (its pipelines then have nothing to run on).
    """
    manifest, stack, summary = _read_split(run["splits"][split.key], params)
    return _stamped(manifest, run["run_id"]), stack, {**summary, RUN_ATTRIBUTE: run["run_id"]}


@dataclass
class SplitFiles:
    """One split's files sorted into its layout folders, strays counted and ids checked: what is left is decoding."""

    source: ImageFolder
    split: SplitSpec
    folders: list[FolderSpec] = field(default_factory=list)
    images: dict[str, list[str]] = field(default_factory=dict)
    tally: SplitTally = field(default_factory=SplitTally)

    @property
    def present(self) -> bool:
        return self.source.exists


def discover_split(subtask_images: ImageFolder, params: dict[str, Any], split: SplitSpec) -> SplitFiles:
    """Find one split's folders and image files and check everything that needs no decoding.

    Missing, broken-link, ambiguous and image-less folders and ids that are repeated or cannot
    go into a run file raise here, before any split is written.
    """
    found = SplitFiles(subtask_images, split)
    if not subtask_images.exists:
        return found
    subsets = [str(subset) for subset in params["subsets"]]
    found.folders = expected_folders(split, subsets, _generated_folder_names(subtask_images, split, subsets))
    _check_folders_exist(subtask_images, found.folders)
    files_by_folder = _sort_files(subtask_images, split, found.folders, found.tally)
    for folder in found.folders:
        folder_tally = found.tally.folders.setdefault(folder.relative_dir, FolderTally())
        for relative in files_by_folder[folder.relative_dir]:
            name = relative.rpartition("/")[2]
            if is_known_stray_file(name):
                folder_tally.ignored += 1
                hidden_image = name.startswith(".") and not name.startswith("._") and has_image_suffix(name)
                log = logger.warning if hidden_image else logger.debug
                log("Ignoring %s file %s", "hidden" if hidden_image else "stray", subtask_images.location(relative))
            elif not is_image_file(name):
                folder_tally.unsupported += 1
                found.tally.unexpected_files.append(relative)
                logger.warning("Skipping %s: not a PNG or JPEG file.", subtask_images.location(relative))
        names = [f for f in files_by_folder[folder.relative_dir] if is_image_file(f.rpartition("/")[2])]
        if not names:
            raise IngestionError(
                f"Folder {subtask_images.location(folder.relative_dir)} holds no PNG or JPEG images. "
                f"Every folder of the layout must hold images ({LAYOUT_DOC})."
            )
        _check_ids(subtask_images, names)
        found.images[folder.relative_dir] = names
    return found


def _read_split(files: SplitFiles, params: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    size = int(params["image_size"])
    subtask_images, split, tally = files.source, files.split, files.tally
    if not files.present:
        logger.warning(
            "No %s folder at %s: skipping %s (its pipelines will have no data).",
            split.subtask,
            subtask_images.root,
            split.key,
        )
        summary = {"status": "absent", "root": subtask_images.root, "images": 0}
        return empty_manifest(), np.zeros((0, size, size), dtype=np.uint8), summary

    image_files = files.images
    capacity = sum(len(names) for names in image_files.values())
    # np.empty reserves address space only: memory is committed as images are written.
    stack = np.empty((capacity, size, size), dtype=np.uint8)
    rows: list[dict[str, Any]] = []

    for folder in files.folders:
        folder_tally = tally.folders[folder.relative_dir]
        for relative in track(image_files[folder.relative_dir], f"{split.key}: {folder.relative_dir}"):
            location = subtask_images.location(relative)
            try:
                pixels, width, height, mode = _decode(subtask_images.files[relative])
            except DECODE_ERRORS as error:
                reason = _failure_reason(error)
                folder_tally.bad += 1
                tally.bad_files.append({"path": location, "reason": reason})
                logger.warning("Skipping unreadable image %s (%s).", location, reason)
                continue
            if mode != "L":
                tally.converted_modes[mode] += 1
            resized = pixels.shape != (size, size)
            if resized:
                folder_tally.resized += 1
                tally.resized_from[f"{width}x{height}"] += 1
                logger.debug("Resizing %s from %dx%d to %dx%d", location, width, height, size, size)
            index = len(rows)
            stack[index] = resize_square(pixels, size)
            rows.append(
                {
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
                    "content_hash": content_hash(pixels),
                    "resized": resized,
                    "stack_index": index,
                }
            )
            folder_tally.images += 1
        _check_folder_quality(
            subtask_images, folder.relative_dir, folder_tally, tally.bad_files, float(params["max_bad_fraction"])
        )
        if folder_tally.resized:
            logger.warning(
                "Resized %d image(s) in %s to %dx%d.",
                folder_tally.resized,
                subtask_images.location(folder.relative_dir),
                size,
                size,
            )

    manifest = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)).astype(MANIFEST_COLUMNS) if rows else empty_manifest()
    duplicates = int(manifest["content_hash"].duplicated().sum())
    if duplicates:
        logger.warning("%s holds %d image(s) whose content repeats another image of the split.", split.key, duplicates)
    summary = {
        "status": "ingested",
        "root": subtask_images.root,
        "images": len(rows),
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
    logger.info("Ingested %s: %d images, %d skipped as unreadable.", split.key, len(rows), len(tally.bad_files))
    return manifest, stack[: len(rows)], summary


def _truth_ids(truth: pd.DataFrame) -> pd.Series:
    return truth["image_id"].astype("string").str.strip()


def _check_truth_ids(
    truth: pd.DataFrame, expected_ids: pd.Series, what: str, after_decoding: bool
) -> tuple[pd.Series, pd.Series]:
    """Ids must be unique and match the test images exactly; returns the stripped ids and a mask of the rows to keep.

    Before decoding (``after_decoding=False``) the ids are those of the listed files, and every
    mismatch is an error. After decoding, ids the earlier check found among the files but not
    among the manifest are images skipped as unreadable: their labels are dropped with a warning.
    """
    source = truth.attrs.get("source", "the ground truth file")
    ids = _truth_ids(truth)
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise IngestionError(f"{source} lists image id(s) {duplicated[:10]} more than once.")
    unknown = sorted(set(ids) - set(expected_ids), key=natural_key)
    missing = sorted(set(expected_ids) - set(ids), key=natural_key)
    if missing or (unknown and not after_decoding):
        raise IngestionError(
            f"{source} does not match the {what}: {len(unknown)} id(s) not among the images "
            f"(e.g. {unknown[:5]}), {len(missing)} image(s) without a label (e.g. {missing[:5]}). "
            "Use the ground truth file that belongs to this test folder, or remove it."
        )
    if unknown:
        logger.warning("Dropping the labels of %d test image(s) skipped as unreadable, e.g. %s.", len(unknown), unknown[:5])
    return ids, ids.isin(set(expected_ids))


def _sorted_truth(ids: pd.Series, column: str, values: pd.Series) -> pd.DataFrame:
    table = pd.DataFrame({"image_id": ids.to_numpy(), column: values.to_numpy()})
    return table.iloc[natural_order(table["image_id"])].reset_index(drop=True)


def _validated_truth(  # noqa: PLR0913
    test_manifest: pd.DataFrame,
    truth: pd.DataFrame | None,
    *,
    subtask: str,
    images: pd.Series,
    column: str,
    parse: Callable[[pd.Series], pd.Series],
    allowed: list[Any],
    dtype: str,
    after_decoding: bool,
) -> pd.DataFrame:
    """Shared check of a ground-truth table: ids match ``images`` exactly, ``column`` in ``allowed``."""
    run_id = test_manifest.attrs.get(RUN_ATTRIBUTE)
    empty = _stamped(pd.DataFrame({"image_id": pd.Series(dtype="string"), column: pd.Series(dtype=dtype)}), run_id)
    if truth is None:
        logger.info("No %s test ground truth: test metrics will not be computed.", subtask)
        return empty
    if test_manifest.empty:
        logger.warning("Ignoring %s: there are no %s test images.", truth.attrs.get("source"), subtask)
        return empty
    ids, keep = _check_truth_ids(truth, images, f"{subtask} test images", after_decoding)
    values = parse(truth[column])
    invalid = truth.index[~values.isin(allowed)]
    if len(invalid):
        lines = [int(row) + 2 for row in invalid[:10]]  # +1 for the header, +1 for 1-based lines
        raise IngestionError(f"{truth.attrs.get('source')}: {column} must be one of {allowed} on line(s) {lines}.")
    return _stamped(_sorted_truth(ids[keep], column, values[keep].astype(dtype)), run_id)


def validate_subtask1_truth(
    test_manifest: pd.DataFrame, truth: pd.DataFrame | None, after_decoding: bool = True
) -> pd.DataFrame:
    """Check ``ground_truth/subtask1_test.csv`` against the test reals; returns (image_id, label), 1 = used."""
    reals = test_manifest.loc[test_manifest["role"] == "real", "image_id"]
    return _validated_truth(
        test_manifest,
        truth,
        subtask="subtask1",
        images=reals,
        column="label",
        parse=lambda labels: pd.to_numeric(labels, errors="coerce"),
        allowed=[0, 1],
        dtype="int64",
        after_decoding=after_decoding,
    )


def validate_subtask2_truth(
    test_manifest: pd.DataFrame, truth: pd.DataFrame | None, params: dict[str, Any], after_decoding: bool = True
) -> pd.DataFrame:
    """Check ``ground_truth/subtask2_test.csv`` against the test images; returns (image_id, subset)."""
    return _validated_truth(
        test_manifest,
        truth,
        subtask="subtask2",
        images=test_manifest["image_id"],
        column="subset",
        parse=lambda subsets: subsets.astype("string").str.strip(),
        allowed=[str(subset) for subset in params["subsets"]],
        dtype="string",
        after_decoding=after_decoding,
    )


def _leakage(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    """Test images whose content also appears in the training split."""
    if train.empty or test.empty:
        return {"count": 0, "pairs": []}
    joined = test[["relative_path", "content_hash"]].merge(
        train[["relative_path", "content_hash"]], on="content_hash", suffixes=("_test", "_train")
    )
    pairs = [
        {"test": row.relative_path_test, "train": row.relative_path_train}
        for row in joined.head(MAX_LISTED_FILES).itertuples()
    ]
    return {"count": int(joined["relative_path_test"].nunique()), "pairs": pairs}


def build_ingestion_report(  # noqa: PLR0913 - one argument per dataset keeps the pipeline map readable
    subtask1_train_record: dict[str, Any],
    subtask1_test_record: dict[str, Any],
    subtask2_train_record: dict[str, Any],
    subtask2_test_record: dict[str, Any],
    subtask1_train_manifest: pd.DataFrame,
    subtask1_test_manifest: pd.DataFrame,
    subtask2_train_manifest: pd.DataFrame,
    subtask2_test_manifest: pd.DataFrame,
    subtask1_test_ground_truth: pd.DataFrame,
    subtask2_test_ground_truth: pd.DataFrame,
) -> dict[str, Any]:
    """Assemble the ingestion report and warn about train/test leakage (same content in both)."""
    split_summaries = {
        "subtask1_train": subtask1_train_record,
        "subtask1_test": subtask1_test_record,
        "subtask2_train": subtask2_train_record,
        "subtask2_test": subtask2_test_record,
    }
    manifests = {
        "subtask1_train": subtask1_train_manifest,
        "subtask1_test": subtask1_test_manifest,
        "subtask2_train": subtask2_train_manifest,
        "subtask2_test": subtask2_test_manifest,
    }
    truths = {"subtask1_test": subtask1_test_ground_truth, "subtask2_test": subtask2_test_ground_truth}
    leakage: dict[str, Any] = {}
    for subtask in ("subtask1", "subtask2"):
        found = _leakage(manifests[f"{subtask}_train"], manifests[f"{subtask}_test"])
        leakage[subtask] = found
        if found["count"]:
            logger.warning(
                "Leakage: %d %s test image(s) also appear in its training split, e.g. %s.",
                found["count"],
                subtask,
                found["pairs"][:3],
            )
    return {
        "splits": split_summaries,
        "ground_truth": {name: {"present": not table.empty, "rows": len(table)} for name, table in truths.items()},
        "leakage_train_test": leakage,
        "totals": {
            "images": sum(summary["images"] for summary in split_summaries.values()),
            "bad_images": sum(summary.get("bad_images", 0) for summary in split_summaries.values()),
            "resized_images": sum(summary.get("resized_images", 0) for summary in split_summaries.values()),
            "unexpected_files": sum(summary.get("unexpected_files", 0) for summary in split_summaries.values()),
        },
    }


def split_subtask2_training(manifest: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The training manifest with a ``fold`` column: ``validation_fraction`` of every subset's real and
    generated images held out (seeded, stratified). Every subtask-2 method uses this one split."""
    split = manifest.copy()
    split["fold"] = pd.Series(dtype="string") if manifest.empty else holdout_split(
        manifest, float(params["validation_fraction"]), int(params["split_seed"])
    )
    return split


def commit_ingestion(
    run: dict[str, Any], report: dict[str, Any], *tables: pd.DataFrame
) -> dict[str, Any]:
    """Record that every split of this ingestion was written; the other pipelines read only committed tables.

    Runs last (it needs the report and every table), so an interrupted ingestion leaves the
    previous commit in place and its half-written tables are refused by the readers' check.
    """
    stale = [table.attrs.get(RUN_ATTRIBUTE) for table in tables if table.attrs.get(RUN_ATTRIBUTE) != run["run_id"]]
    if stale:
        raise RuntimeError(f"ingestion {run['run_id']} produced tables stamped {stale}")
    logger.info("Ingestion %s complete: %d images.", run["run_id"], report["totals"]["images"])
    return {
        "run_id": run["run_id"],
        "root": run["root"],
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "images": {name: summary["images"] for name, summary in report["splits"].items()},
    }
