"""Finding the layout: the raw data root, each split's folders and the image files in them, checked before decoding."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gans_fingerprints.datasets import ImageFolder, RawDataRoot
from gans_fingerprints.layout import (
    GENERATED_SUBSET_PATTERN,
    LAYOUT_DOC,
    FolderSpec,
    SplitSpec,
    expected_folders,
    has_image_suffix,
    image_id,
    is_image_file,
    is_known_stray_file,
    natural_key,
    run_file_id_problem,
)
from gans_fingerprints.pipelines.ingestion.common import LOGGER_NAME, IngestionError

logger = logging.getLogger(LOGGER_NAME)


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


def listed_images(files: SplitFiles) -> pd.DataFrame:
    """The ids and roles of a split's image files, as a manifest would list them if all decode."""
    rows = [
        {"image_id": image_id(name.rpartition("/")[2]), "role": folder.role}
        for folder in files.folders
        for name in files.images[folder.relative_dir]
    ]
    return pd.DataFrame(rows, columns=["image_id", "role"])


def check_root(raw_root: RawDataRoot) -> None:
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
