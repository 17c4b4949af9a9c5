"""The ImageCLEFmedical GANs 2025 release layout, as this project names it.

Every path here is relative to one subtask folder under the raw data root
(``<raw_data_root>/subtask1`` or ``<raw_data_root>/subtask2``). The README section
"Data layout" explains how the release's own folder names map onto these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LAYOUT_DOC = "README.md, section 'Data layout'"

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg"})
"""File suffixes read as images (compared case-insensitively)."""

STRAY_FILE_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"})
STRAY_SUFFIXES = frozenset({".txt", ".md", ".csv", ".json", ".log", ".ini", ".db"})

GENERATED_SUBSET_PATTERN = re.compile(r"^(?:gen_)?(t\d+)$")

UNKNOWN_SUBSET = "unknown"
"""Subtask 2's label for an image of a generator none of the subsets trained (open-set runs and benchmark checks only)."""

MEMBERSHIP_USED = "used"
MEMBERSHIP_NOT_USED = "not_used"


@dataclass(frozen=True)
class FolderSpec:
    """One folder of images inside a split, and what its images are."""

    relative_dir: str
    role: str  # "real" or "generated"
    subset: str | None = None
    membership: str | None = None


@dataclass(frozen=True)
class SplitSpec:
    """One split (train or test) of one subtask."""

    subtask: str
    split: str

    @property
    def key(self) -> str:
        """Name used for the split's datasets, e.g. ``subtask2_train``."""
        return f"{self.subtask}_{self.split}"


SPLITS: tuple[SplitSpec, ...] = (
    SplitSpec("subtask1", "train"),
    SplitSpec("subtask1", "test"),
    SplitSpec("subtask2", "train"),
    SplitSpec("subtask2", "test"),
)


def expected_folders(split: SplitSpec, subsets: list[str], generated_dirs: dict[str, str]) -> list[FolderSpec]:
    """The folders a split must hold, in manifest order.

    ``generated_dirs`` maps a subset (``t1``) to the generated folder name found on disk
    (``gen_t1`` or ``t1``); subsets without an entry default to ``gen_<subset>``.
    """
    if split.subtask == "subtask1" and split.split == "train":
        return [
            FolderSpec("train/real_used", "real", membership=MEMBERSHIP_USED),
            FolderSpec("train/real_not_used", "real", membership=MEMBERSHIP_NOT_USED),
            FolderSpec("train/generated", "generated"),
        ]
    if split.subtask == "subtask1" and split.split == "test":
        return [FolderSpec("test/real_unknown", "real"), FolderSpec("test/generated", "generated")]
    if split.subtask == "subtask2" and split.split == "train":
        real = [FolderSpec(f"train/real/{s}", "real", subset=s) for s in subsets]
        generated = [
            FolderSpec(f"train/generated/{generated_dirs.get(s, 'gen_' + s)}", "generated", subset=s)
            for s in subsets
        ]
        return real + generated
    if split.subtask == "subtask2" and split.split == "test":
        return [FolderSpec("test/generated_unknown", "generated")]
    raise ValueError(f"Unknown split {split.key!r}")


def has_image_suffix(name: str) -> bool:
    """Whether a file name ends in an image suffix (any case)."""
    lower = name.lower()
    return any(lower.endswith(ext) for ext in IMAGE_EXTENSIONS)


def is_image_file(name: str) -> bool:
    """Whether a file is read as an image: an image suffix, and not hidden (``.x.png``, ``._x.png``, ``.png``)."""
    return not name.startswith(".") and has_image_suffix(name)


def is_known_stray_file(name: str) -> bool:
    """Files that operating systems and archives leave behind, and hidden files; never read as images."""
    lower = name.lower()
    if lower in STRAY_FILE_NAMES or lower.startswith("."):
        return True
    return any(lower.endswith(suffix) for suffix in STRAY_SUFFIXES)


RUN_FILE_FORBIDDEN = (",", '"')


def run_file_id_problem(identifier: str) -> str | None:
    """Why an image id cannot be written to a run file (``id,label`` lines), or ``None`` when it can."""
    if identifier != identifier.strip():
        return "it starts or ends with whitespace, which the run-file validator strips"
    found = [char for char in RUN_FILE_FORBIDDEN if char in identifier]
    if found:
        return f"it contains {found[0]!r}, which the run-file format (id,label lines) cannot hold"
    if not identifier.isprintable():  # line breaks of any kind, tabs, NUL, ...
        return "it contains a control or line-break character, which the run-file format cannot hold"
    return None


def image_id(file_name: str) -> str:
    """An image's id: its file name without the extension."""
    stem, _, _ = file_name.rpartition(".")
    return stem or file_name


def natural_key(text: str) -> list[object]:
    """Sort key that orders ``img2`` before ``img10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def natural_order(ids) -> list[int]:
    """Positions that put ``ids`` in natural order (``img2`` before ``img10``)."""
    values = [str(value) for value in ids]
    return sorted(range(len(values)), key=lambda position: natural_key(values[position]))


def sequential_ids(prefix: str, count: int, width: int = 4) -> list[str]:
    """``prefix0001``, ``prefix0002``, ...: the ids generated releases give their images."""
    return [f"{prefix}{i + 1:0{width}d}" for i in range(count)]
