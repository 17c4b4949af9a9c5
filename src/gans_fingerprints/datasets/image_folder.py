"""A folder tree of image files, listed eagerly and decoded lazily (one file at a time)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from kedro.io import DatasetError
from kedro_datasets.partitions import PartitionedDataset
from PIL import Image

from gans_fingerprints.image_decoding import FileLoader


@dataclass(frozen=True)
class ImageFolder:
    """What an :class:`ImageFolderDataset` loads.

    ``files`` maps each file's path relative to ``root`` (POSIX separators) to a callable that
    decodes it; ``directories`` holds every sub-folder, empty ones included, so callers can tell
    a missing folder from an empty one; ``broken_links`` maps each link whose target does not
    exist to that target, so callers can say so instead of "does not exist".
    """

    root: str
    exists: bool
    files: dict[str, Callable[[], Image.Image]] = field(default_factory=dict)
    directories: frozenset[str] = frozenset()
    broken_links: dict[str, str] = field(default_factory=dict)

    def location(self, relative: str) -> str:
        """Full location of a file or folder inside the tree, for messages."""
        return f"{self.root.rstrip('/')}/{relative}" if relative else self.root


class ImageFolderDataset(PartitionedDataset):
    """Read-only :class:`~kedro_datasets.partitions.PartitionedDataset` of images.

    Unlike its parent it does not fail on a missing or empty folder (the caller decides what
    that means) and it reports sub-folders too. Every file is listed, whatever its suffix;
    deciding which are images is the caller's job. Each partition decodes through the
    configured dataset, ``pillow.ImageDataset`` by default.
    """

    def __init__(self, *, path: str, dataset: str | dict[str, Any] = "pillow.ImageDataset", **kwargs: Any) -> None:
        super().__init__(path=path, dataset=dataset, **kwargs)

    def load(self) -> ImageFolder:  # type: ignore[override]
        self._invalidate_caches()
        filesystem = self._filesystem
        root = self._normalized_path
        if not filesystem.isdir(root):
            return ImageFolder(root=self._path, exists=False)
        files: dict[str, Callable[[], Image.Image]] = {}
        directories: set[str] = set()
        broken_links: dict[str, str] = {}
        for full_path, is_directory in self._walk(root):
            relative = self._path_to_partition(full_path)
            if is_directory:
                if relative:
                    directories.add(relative)
                continue
            if os.path.islink(full_path) and not os.path.exists(full_path):
                broken_links[relative] = os.readlink(full_path)
            arguments = deepcopy(self._dataset_config)
            arguments[self._filepath_arg] = self._join_protocol(full_path)
            files[relative] = FileLoader(self._dataset_type, arguments)
        return ImageFolder(
            root=self._path, exists=True, files=files, directories=frozenset(directories), broken_links=broken_links
        )

    def _walk(self, root: str) -> Iterator[tuple[str, bool]]:
        """Yield (path, is_directory) for everything below ``root``.

        Local folders are walked following symbolic links (users often link the release in
        rather than copy it; fsspec's ``find`` skips linked folders). A folder reached by two
        paths is listed under both; only a link back to a folder on its own path (a cycle) is
        listed without being entered. A broken link comes out as a file.
        """
        if self._protocol not in ("file", "local"):
            for path, info in self._filesystem.find(root, withdirs=True, detail=True).items():
                yield path, info["type"] == "directory"
            return
        ancestors = {root: {os.path.realpath(root)}}  # real folders on each walked path, root first
        for current, subdirs, names in os.walk(root, followlinks=True):
            chain = ancestors.pop(current)
            if current != root:
                yield current, True
            for sub in list(subdirs):
                path = os.path.join(current, sub)
                real = os.path.realpath(path)
                if real in chain:  # a link cycle: list the folder, do not descend into it again
                    subdirs.remove(sub)
                    yield path, True
                else:
                    ancestors[path] = chain | {real}
            for name in names:
                yield os.path.join(current, name), False

    def save(self, data: Any) -> None:  # noqa: ARG002 - read-only: nothing is saved
        raise DatasetError(f"{type(self).__name__} is read-only: it never writes into the raw data folder")

    def _exists(self) -> bool:
        return bool(self._filesystem.isdir(self._normalized_path))
