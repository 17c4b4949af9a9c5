"""Writing a generated dataset into the raw data root, in the release layout, without harming user data."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from fsspec.core import split_protocol
from kedro.io import AbstractDataset
from PIL import Image

from gans_fingerprints.benchmark.synthetic_release import GENERATORS_NAME, SyntheticRelease
from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import natural_order

MARKER_NAME = ".gans_fingerprints_release.json"
JOURNAL_NAME = ".gans_fingerprints_release.journal"
STAGING_NAME = ".gans_fingerprints_staging"
LAYOUT_TOP_LEVEL = ("subtask1", "subtask2", "ground_truth")
FIRST_IMAGES = 8
"""Images per folder an up-to-date release gives back for its reports."""
logger = logging.getLogger(__name__)


class TargetNotEmptyError(UserInputError):
    """The target folder holds files this project did not write, or links to the user's data."""


@dataclass(frozen=True)
class ReleaseTarget:
    """What the raw data root holds now (data only: nodes receive it, they do no I/O through it).

    ``problems`` lists what makes the root unsafe to write: files the project did not record
    writing (or that changed since), and links, which always point at the user's own data.
    ``missing`` counts recorded files that are gone. For a complete, intact release,
    ``first_images`` holds the first few images of each folder and ``generator_states`` the
    weights of its generators, so its reports can be re-issued without rebuilding.
    """

    root: str
    marker: dict[str, Any] | None
    problems: tuple[str, ...] = ()
    missing: int = 0
    verified: dict[str, list[Any]] = field(default_factory=dict)
    first_images: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    generator_states: dict[str, Any] | None = None

    @property
    def intact(self) -> bool:
        return not self.problems and not self.missing and (self.marker or {}).get("complete") is True

    def holds(self, writer: str, settings: dict[str, Any]) -> bool:
        """True when the root holds a complete, intact release of ``writer`` with exactly ``settings``."""
        marker = self.marker or {}
        return self.intact and marker.get("writer") == writer and marker.get("settings") == settings

    def existing_release(self, writer: str) -> SyntheticRelease:
        """The release the root holds, as far as its reports need it (not every image)."""
        marker = self.marker or {}
        return SyntheticRelease(writer=writer, settings=marker["settings"], images=dict(self.first_images), up_to_date=True,
                                provenance=marker["provenance"], generator_states=self.generator_states,
                                recorded_counts=marker["counts"])

    def check_writable(self) -> None:
        """Raise :class:`TargetNotEmptyError` unless every file under the layout is one this project wrote."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise TargetNotEmptyError(
                f"{self.root} holds data this project did not write: {self.problems[0]}{more}; refusing to "
                "overwrite it and changing nothing. Point the run at an empty folder with "
                "--params raw_data_root=/new/folder, or move your data (README, 'Bad input')."
            )


def _inside_layout(relative: str) -> bool:
    """Whether a recorded path is one a build may write: under the layout folders, or the weights file."""
    parts = Path(relative).parts
    return ".." not in parts and bool(parts) and (parts[0] in LAYOUT_TOP_LEVEL or relative == GENERATORS_NAME)


def _unchanged(path: Path, record: list[Any]) -> bool:
    """Whether ``path`` still holds what the build wrote (``[size, mtime_ns or None, sha256]``)."""
    size, mtime_ns, digest = record
    status = path.stat()
    if status.st_size != size:
        return False
    if status.st_mtime_ns == mtime_ns:
        return True
    return hashlib.sha256(path.read_bytes()).hexdigest() == digest  # a copied release keeps its content


def _read_journal(root: Path) -> dict[str, list[Any]]:
    """Files an interrupted build was writing: each journaled with its size and hash just before it was written."""
    path = root / JOURNAL_NAME
    if not path.is_file() or path.is_symlink():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError, TypeError):  # a torn last line: that file was never written
            relative, size, digest = json.loads(line)
            entries[relative] = [size, None, digest]
    return entries


def _layout_entries(root: Path) -> tuple[list[Path], list[str]]:
    """Every file under the layout folders (and the weights file), and every link found there."""
    files: list[Path] = []
    links: list[str] = []
    for name in (*LAYOUT_TOP_LEVEL, GENERATORS_NAME, JOURNAL_NAME):
        top = root / name
        if top.is_symlink():
            links.append(f"{top} is a link to {os.readlink(top)} (links are your data)")
        elif top.is_file():
            files.append(top)
        elif top.is_dir():
            for current, subdirs, names in os.walk(top):
                for entry in (*subdirs, *names):
                    path = Path(current) / entry
                    if path.is_symlink():
                        links.append(f"{path} is a link to {os.readlink(path)} (links are your data)")
                    elif entry in names:
                        files.append(path)
    return files, links


def _scan(root: Path, marker: dict[str, Any] | None) -> tuple[list[str], dict[str, list[Any]], int]:
    """Problems that forbid writing under ``root``, the verified files of earlier builds, and missing files."""
    if marker is not None and "files" not in marker:
        legacy = (
            f"{root / MARKER_NAME} comes from an older version that did not record which files it wrote; "
            f"check that nothing of yours is under {root} and delete it to rebuild"
        )
        return [legacy], {}, 0
    recorded = {rel: rec for rel, rec in (marker or {}).get("files", {}).items() if _inside_layout(rel)}
    if marker is not None and not marker.get("complete"):
        recorded.update(_read_journal(root))
    files, problems = _layout_entries(root)
    verified: dict[str, list[Any]] = {}
    for path in files:
        relative = path.relative_to(root).as_posix()
        if relative == JOURNAL_NAME:
            continue
        if relative not in recorded:
            problems.append(f"{path} was not written by this project")
        elif not _unchanged(path, recorded[relative]):
            problems.append(f"{path} changed since this project wrote it")
        else:
            verified[relative] = recorded[relative]
    return problems, verified, len(recorded) - len(verified)


def _png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


class _Writer:
    """Writes new files only, whole or not at all, journaling each (size, hash) just before it appears.

    Each file is written in a staging folder of the build's own and then hard-linked to its
    place, which fails rather than replace a file that is already there.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: dict[str, list[Any]] = {}
        self._staging = root / STAGING_NAME
        shutil.rmtree(self._staging, ignore_errors=True)  # what an interrupted build left half-written
        self._staging.mkdir()
        self._journal = (root / JOURNAL_NAME).open("w")
        self._lock = threading.Lock()

    def write(self, relative: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        staged = self._staging / f"{digest}-{threading.get_ident()}"
        staged.write_bytes(data)
        with self._lock:
            self._journal.write(json.dumps([relative, len(data), digest]) + "\n")
            self._journal.flush()
        path = self.root / relative
        os.link(staged, path)  # FileExistsError rather than overwrite
        staged.unlink()
        with self._lock:
            self.written[relative] = [len(data), path.stat().st_mtime_ns, digest]

    def close(self) -> None:
        self._journal.close()
        (self.root / JOURNAL_NAME).unlink()
        shutil.rmtree(self._staging)


class ReleaseDataset(AbstractDataset[SyntheticRelease, ReleaseTarget]):
    """Loads the state of the raw root; saves a :class:`SyntheticRelease` into it.

    The marker file records every file and folder a build writes (size, time, SHA-256). Saving
    refuses, and changes nothing, when ``subtask1/``, ``subtask2/``, ``ground_truth/`` hold any
    file the marker does not record, a recorded file that changed, or any link; otherwise it
    removes exactly the verified files of the earlier build before writing. While writing, the
    marker says incomplete and a journal lists each new file (size, hash) just before it is
    written, so an interrupted write is rebuilt on the next run, and a file someone else puts at
    a path the build had not reached yet stays theirs.
    """

    def __init__(self, *, path: str, workers: int | None = None, metadata: dict[str, Any] | None = None) -> None:
        protocol = split_protocol(path)[0]
        if protocol not in (None, "file"):
            raise UserInputError(
                f"raw_data_root {path} is not a local folder: the benchmark writes its release only to a local disk, "
                "where it can record, verify and atomically link every file (object stores have no links or renames). "
                "Build it locally, then copy the folder (for example `aws s3 sync data/01_raw s3://bucket/release`)."
            )
        self._root = Path(path)
        self._workers = workers or min(8, os.cpu_count() or 1)
        self.metadata = metadata

    def load(self) -> ReleaseTarget:
        target = self._target()
        if not target.intact:
            return target
        first = {folder: self._first_images(folder) for folder in target.marker["counts"]}
        # and the images the build recorded for display (each generated image's nearest training real)
        for pairs in target.marker.get("provenance", {}).get("nearest_training_reals", {}).values():
            for folder, image_id in pairs:
                ids, stack = first[folder]
                if image_id not in ids:
                    pixels = np.asarray(Image.open(self._root / folder / f"{image_id}.png").convert("L"))
                    first[folder] = ([*ids, image_id], np.concatenate([stack, pixels[None]]))
        states = None
        if (self._root / GENERATORS_NAME).is_file():
            import torch  # noqa: PLC0415 - only the benchmark needs torch

            states = torch.load(self._root / GENERATORS_NAME, map_location="cpu", weights_only=True)
        return replace(target, first_images=first, generator_states=states)

    def _first_images(self, folder: str) -> tuple[list[str], np.ndarray]:
        """The first images of a folder of the release (natural file order)."""
        found = sorted((self._root / folder).glob("*.png"))
        paths = [found[i] for i in natural_order(p.stem for p in found)][:FIRST_IMAGES]
        return [p.stem for p in paths], np.stack([np.asarray(Image.open(p).convert("L")) for p in paths])

    def _target(self) -> ReleaseTarget:
        marker_path = self._root / MARKER_NAME
        marker, problems = None, []
        if marker_path.is_symlink():
            problems.append(f"{marker_path} is a link to {os.readlink(marker_path)} (links are your data)")
        elif marker_path.is_file():
            try:
                marker = json.loads(marker_path.read_text())
            except (ValueError, UnicodeDecodeError):
                problems.append(f"{marker_path} is not a readable marker of this project")
        if problems:
            return ReleaseTarget(root=str(self._root), marker=None, problems=tuple(problems))
        problems, verified, missing = _scan(self._root, marker)
        return ReleaseTarget(str(self._root), marker, tuple(problems), missing, verified)

    def _write_marker(self, marker: dict[str, Any]) -> None:
        partial = self._root / (MARKER_NAME + ".partial")
        partial.unlink(missing_ok=True)
        partial.write_text(json.dumps(marker, indent=1))
        os.replace(partial, self._root / MARKER_NAME)

    def _remove(self, files: dict[str, Any], directories: list[str]) -> None:
        """Delete verified files of an earlier build, then its folders that are left empty."""
        for relative in files:
            (self._root / relative).unlink(missing_ok=True)
        for relative in sorted(filter(_inside_layout, directories), key=len, reverse=True):
            with contextlib.suppress(OSError):  # not empty or already gone: leave it
                (self._root / relative).rmdir()

    def save(self, data: SyntheticRelease) -> None:
        if data.up_to_date:
            logger.info("%s already holds this %s release; nothing written.", self._root, data.writer)
            return
        target = self._target()
        target.check_writable()
        planned = data.planned_files()
        directories = sorted({parent.as_posix() for f in planned for parent in Path(f).parents if parent != Path(".")})
        old_directories = (target.marker or {}).get("directories", [])
        marker = {
            "writer": data.writer,
            "settings": data.settings,
            "complete": False,
            "counts": data.counts(),
            "provenance": data.provenance,
            # until complete: the earlier build's files (a rerun may remove them); new ones are journaled
            "files": target.verified,
            "directories": sorted({*old_directories, *directories}),
        }
        self._root.mkdir(parents=True, exist_ok=True)
        self._write_marker(marker)
        writer = _Writer(self._root)
        self._remove(target.verified, old_directories)
        marker["files"] = {}  # the earlier build is gone; from here on only the journal speaks for files
        self._write_marker(marker)
        for directory in directories:
            (self._root / directory).mkdir(parents=True, exist_ok=True)
        if data.generator_states is not None:
            import torch  # noqa: PLC0415

            buffer = io.BytesIO()
            torch.save(data.generator_states, buffer)
            writer.write(GENERATORS_NAME, buffer.getvalue())
        jobs = [
            (f"{folder}/{image_id}.png", stack[i])
            for folder, (ids, stack) in data.images.items()
            for i, image_id in enumerate(ids)
        ]
        with ThreadPoolExecutor(self._workers) as pool:  # zlib releases the GIL
            list(pool.map(lambda job: writer.write(job[0], _png_bytes(job[1])), jobs))
        for name, table in data.ground_truth.items():
            writer.write(f"ground_truth/{name}", table.to_csv(index=False).encode())
        marker.update(complete=True, files=writer.written, directories=directories)
        self._write_marker(marker)
        writer.close()
        logger.info("Wrote %d images of the %s release under %s.", len(jobs), data.writer, self._root)

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
