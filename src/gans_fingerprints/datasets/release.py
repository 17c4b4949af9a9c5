"""Writing a generated dataset into the raw data root, in the release layout, without harming user data."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset
from PIL import Image

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import natural_order

MARKER_NAME = ".gans_fingerprints_release.json"
GENERATORS_NAME = ".gans_fingerprints_generators.pt"
LAYOUT_TOP_LEVEL = ("subtask1", "subtask2", "ground_truth")
logger = logging.getLogger(__name__)


class TargetNotEmptyError(UserInputError):
    """The target folder holds files this project did not write, or links to the user's data."""


@dataclass
class SyntheticRelease:
    """A dataset in the release layout, held in memory until written.

    ``images`` maps a folder relative to the root (``subtask2/train/real/t1``) to image ids and
    their uint8 stack; ``ground_truth`` maps a file name under ``ground_truth/`` to its table.
    ``up_to_date`` says the root already holds this very release, so nothing is written.
    ``provenance`` (JSON) is kept in the marker and ``generator_states`` beside it, so the data
    and the models that made it stay together.
    """

    writer: str
    settings: dict[str, Any]
    images: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    ground_truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    up_to_date: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)
    generator_states: dict[str, Any] | None = None

    def counts(self) -> dict[str, int]:
        return {folder: len(ids) for folder, (ids, _) in self.images.items()}

    def planned_files(self) -> list[str]:
        """Every file (relative to the root) that writing this release creates."""
        files = [f"{folder}/{image_id}.png" for folder, (ids, _) in self.images.items() for image_id in ids]
        files += [f"ground_truth/{name}" for name in self.ground_truth]
        return files + ([GENERATORS_NAME] if self.generator_states is not None else [])


@dataclass(frozen=True)
class ReleaseTarget:
    """What the raw data root holds now.

    ``problems`` lists what makes the root unsafe to write: files the project did not record
    writing (or that changed since), and links, which always point at the user's own data.
    ``missing`` counts recorded files that are gone.
    """

    root: str
    marker: dict[str, Any] | None
    problems: tuple[str, ...] = ()
    missing: int = 0

    def holds(self, writer: str, settings: dict[str, Any]) -> bool:
        """True when the root holds a complete, intact release of ``writer`` with exactly ``settings``."""
        marker = self.marker or {}
        intact = not self.problems and not self.missing
        return intact and marker.get("complete") is True and marker.get("writer") == writer and marker.get("settings") == settings

    def first_images(self, folder: str, count: int) -> tuple[list[str], np.ndarray]:
        """The first ``count`` images of a folder of the release (natural file order)."""
        found = sorted((Path(self.root) / folder).glob("*.png"))
        paths = [found[i] for i in natural_order(p.stem for p in found)][:count]
        return [p.stem for p in paths], np.stack([np.asarray(Image.open(p).convert("L")) for p in paths])

    def generator_states(self) -> dict[str, Any]:
        """The weights of the generators that made the release."""
        import torch  # noqa: PLC0415 - only the benchmark needs torch

        return torch.load(Path(self.root) / GENERATORS_NAME, map_location="cpu", weights_only=True)

    def check_writable(self) -> None:
        """Raise :class:`TargetNotEmptyError` unless every file under the layout is one this project wrote."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise TargetNotEmptyError(
                f"{self.root} holds data this project did not write: {self.problems[0]}{more}; refusing to "
                "overwrite it and changing nothing. Point the run at an empty folder with "
                "--params raw_data_root=/new/folder, or move your data (README, 'Bad input')."
            )


def _file_record(path: Path, digest: str) -> list[Any]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, digest]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unchanged(path: Path, record: list[Any] | None) -> bool:
    """Whether ``path`` is still the file the build recorded (``None``: planned by an interrupted build)."""
    if record is None:
        return True
    size, mtime_ns, digest = record
    status = path.stat()
    if status.st_size != size:
        return False
    return status.st_mtime_ns == mtime_ns or _sha256(path) == digest  # a copied release keeps its content


def _scan(root: Path, marker: dict[str, Any] | None) -> tuple[list[str], int]:
    """Problems that forbid writing under ``root`` (foreign, changed or linked entries) and missing files."""
    if marker is not None and "files" not in marker:
        return [f"{root / MARKER_NAME} comes from an older version that did not record which files it wrote; "
                f"check that nothing of yours is under {root} and delete it to rebuild"], 0
    recorded: dict[str, Any] = (marker or {}).get("files", {})
    problems: list[str] = []
    seen = 0
    for name in (*LAYOUT_TOP_LEVEL, GENERATORS_NAME):
        top = root / name
        if top.is_symlink():
            problems.append(f"{top} is a link to {os.readlink(top)} (links are your data)")
            continue
        if top.is_file():
            entries = [top]
        elif top.is_dir():
            entries = []
            for current, subdirs, names in os.walk(top):
                for sub in subdirs:
                    if os.path.islink(os.path.join(current, sub)):
                        link = Path(current) / sub
                        problems.append(f"{link} is a link to {os.readlink(link)} (links are your data)")
                entries += [Path(current) / file for file in names]
        else:
            continue
        for path in entries:
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                problems.append(f"{path} is a link to {os.readlink(path)} (links are your data)")
            elif relative not in recorded:
                problems.append(f"{path} was not written by this project")
            elif not _unchanged(path, recorded[relative]):
                problems.append(f"{path} changed since this project wrote it")
            else:
                seen += 1
    return problems, len(recorded) - seen


def _write_png(path: Path, pixels: np.ndarray) -> list[Any]:
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG", compress_level=6)
    data = buffer.getvalue()
    path.write_bytes(data)
    return _file_record(path, hashlib.sha256(data).hexdigest())


class ReleaseDataset(AbstractDataset[SyntheticRelease, ReleaseTarget]):
    """Loads the state of the raw root; saves a :class:`SyntheticRelease` into it.

    The marker file records every file and folder a build writes (size, time, SHA-256). Saving
    refuses, and changes nothing, when ``subtask1/``, ``subtask2/``, ``ground_truth/`` hold any
    file the marker does not record, a recorded file that changed, or any link; otherwise it
    removes exactly the recorded files of the earlier build before writing. The marker is written
    first (incomplete, listing both the old files and the planned ones) and completed last, so an
    interrupted write is rebuilt on the next run instead of blocking it.
    """

    def __init__(self, *, path: str, workers: int | None = None, metadata: dict[str, Any] | None = None) -> None:
        self._root = Path(path)
        self._workers = workers or min(8, os.cpu_count() or 1)
        self.metadata = metadata

    def load(self) -> ReleaseTarget:
        marker_path = self._root / MARKER_NAME
        marker = json.loads(marker_path.read_text()) if marker_path.is_file() else None
        problems, missing = _scan(self._root, marker)
        return ReleaseTarget(root=str(self._root), marker=marker, problems=tuple(problems), missing=missing)

    def _write_marker(self, marker: dict[str, Any]) -> None:
        partial = self._root / (MARKER_NAME + ".partial")
        partial.write_text(json.dumps(marker, indent=1))
        os.replace(partial, self._root / MARKER_NAME)

    def _remove_recorded(self, marker: dict[str, Any]) -> None:
        """Delete the files an earlier build recorded, then its folders that are left empty."""
        for relative in marker.get("files", {}):
            (self._root / relative).unlink(missing_ok=True)
        for relative in sorted(marker.get("directories", []), key=len, reverse=True):
            with contextlib.suppress(OSError):  # not empty or already gone: leave it
                (self._root / relative).rmdir()

    def save(self, data: SyntheticRelease) -> None:
        if data.up_to_date:
            logger.info("%s already holds this %s release; nothing written.", self._root, data.writer)
            return
        target = self.load()
        target.check_writable()
        old = target.marker or {}
        planned = data.planned_files()
        directories = sorted({parent.as_posix() for f in planned for parent in Path(f).parents if parent != Path(".")})
        marker = {
            "writer": data.writer,
            "settings": data.settings,
            "complete": False,
            "counts": data.counts(),
            "provenance": data.provenance,
            # until complete: every file of the old build and the planned ones, so a rerun may remove them
            "files": {**old.get("files", {}), **dict.fromkeys(planned)},
            "directories": sorted({*old.get("directories", []), *directories}),
        }
        self._root.mkdir(parents=True, exist_ok=True)
        self._write_marker(marker)
        self._remove_recorded(old)
        for directory in directories:
            (self._root / directory).mkdir(parents=True, exist_ok=True)
        written: dict[str, list[Any]] = {}
        if data.generator_states is not None:
            import torch  # noqa: PLC0415

            torch.save(data.generator_states, self._root / GENERATORS_NAME)
            written[GENERATORS_NAME] = _file_record(self._root / GENERATORS_NAME, _sha256(self._root / GENERATORS_NAME))
        jobs = [
            (f"{folder}/{image_id}.png", stack[i])
            for folder, (ids, stack) in data.images.items()
            for i, image_id in enumerate(ids)
        ]
        with ThreadPoolExecutor(self._workers) as pool:  # zlib releases the GIL
            records = pool.map(lambda job: _write_png(self._root / job[0], job[1]), jobs)
            written.update(zip((relative for relative, _ in jobs), records, strict=True))
        for name, table in data.ground_truth.items():
            path = self._root / "ground_truth" / name
            table.to_csv(path, index=False)
            written[f"ground_truth/{name}"] = _file_record(path, _sha256(path))
        marker.update(complete=True, files=written, directories=directories)
        self._write_marker(marker)
        logger.info("Wrote %d images of the %s release under %s.", len(jobs), data.writer, self._root)

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
