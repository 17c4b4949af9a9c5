"""Run files: the task's submission format and the official validator's rules.

One line per test image, no header: ``<image_id>,<label>``. Ids are the test images' file names
without extension, each exactly once, in natural order; labels are integers 0/1 (subtask 1,
1 = used) or subset names (subtask 2). Whitespace around tokens is stripped, as the 2023
validator does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gans_fingerprints.errors import UserInputError
from gans_fingerprints.layout import natural_key


class RunFileError(UserInputError):
    """A run file breaks a rule of the submission format."""


def format_run_file(ids: Sequence[str], labels: Sequence[object]) -> str:
    """The run file text: ``id,label`` lines in natural id order."""
    if len(ids) != len(labels):
        raise ValueError(f"{len(ids)} ids but {len(labels)} labels")
    rows = sorted(zip(ids, labels, strict=True), key=lambda row: natural_key(str(row[0])))
    return "".join(f"{image_id},{label}\n" for image_id, label in rows)


def validate_run_file(text: str, expected_ids: Iterable[str], allowed_labels: Iterable[str], source: str) -> None:
    """Check a run file against the test ids; raises :class:`RunFileError` naming the line and rule."""
    expected = set(expected_ids)
    allowed = {str(label) for label in allowed_labels}
    seen: set[str] = set()
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        tokens = [token.strip() for token in line.split(",")]
        if len(tokens) != 2:
            raise RunFileError(f"{source}, line {number}: expected '<image_id>,<label>', got {line!r}")
        image_id, label = tokens
        if image_id not in expected:
            hint = " (ids carry no file extension)" if image_id.rpartition(".")[0] in expected else ""
            raise RunFileError(f"{source}, line {number}: {image_id!r} is not a test image id{hint}")
        if image_id in seen:
            raise RunFileError(f"{source}, line {number}: {image_id!r} appears a second time")
        if label not in allowed:
            raise RunFileError(f"{source}, line {number}: label {label!r} is not one of {sorted(allowed)}")
        seen.add(image_id)
    missing = sorted(expected - seen, key=natural_key)
    if missing:
        raise RunFileError(f"{source}: {len(missing)} test image(s) have no line, e.g. {missing[:5]}")
