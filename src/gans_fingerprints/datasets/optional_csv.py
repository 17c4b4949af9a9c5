"""A CSV table that may be absent (e.g. test ground truth, which only organisers hold)."""

from __future__ import annotations

import csv
from typing import Any

import pandas as pd
from kedro.io import DatasetError
from kedro.io.core import get_filepath_str
from kedro_datasets.pandas import CSVDataset

from gans_fingerprints.errors import UserInputError


class TableFileError(UserInputError, DatasetError):
    """A table file the user supplied cannot be read; the message names the file and the fix."""


class OptionalCSVDataset(CSVDataset):
    """Loads ``None`` when the file does not exist, else the table with ``attrs["source"]`` set.

    ``required_columns`` are checked on load, with the lines that lack a value in one of them,
    so a malformed file (empty, no header, ragged rows) fails with its own name and line in one
    message rather than deep inside a later node.
    """

    def __init__(self, *, filepath: str, required_columns: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(filepath=filepath, **kwargs)
        self._required_columns = list(required_columns or [])

    def load(self) -> pd.DataFrame | None:  # type: ignore[override]
        if not self._exists():
            return None
        header = ",".join(self._required_columns)
        ragged = self._ragged_lines()
        if ragged:
            raise TableFileError(
                f"{self._filepath}: line(s) {ragged[:10]} have another number of fields than the header line; "
                f"every line needs '{header}'."
            )
        try:
            table = super().load()
        except DatasetError as error:
            cause = error.__cause__ or error
            if isinstance(cause, pd.errors.EmptyDataError):
                raise TableFileError(f"{self._filepath} is empty; it needs the header line '{header}' and one row per image.") from None
            reason = " ".join(str(cause).split())
            raise TableFileError(f"Could not read {self._filepath} as CSV ({reason}); fix or remove the file.") from None
        missing = [column for column in self._required_columns if column not in table.columns]
        if missing:
            raise TableFileError(
                f"{self._filepath} lacks column(s) {missing} (its first line reads {list(table.columns)}); "
                f"the first line must be the header '{header}'."
            )
        incomplete = table.index[table[self._required_columns].isna().any(axis=1)]
        if len(incomplete):
            lines = [int(row) + 2 for row in incomplete[:10]]  # +1 for the header, +1 for 1-based lines
            raise TableFileError(
                f"{self._filepath}: row(s) {lines} lack a value for {self._required_columns}; every line needs '{header}'."
            )
        table.attrs["source"] = str(self._filepath)
        return table

    def _ragged_lines(self) -> list[int]:
        """Lines (1-based) whose number of fields differs from the header line's.

        pandas silently turns extra leading fields into an index, so rows are counted here.
        """
        sep = self._load_args.get("sep", ",")
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="r", newline="") as handle:
            rows = csv.reader(handle, delimiter=sep)
            width = len(next(rows, []))
            return [number for number, row in enumerate(rows, start=2) if row and len(row) != width]

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only")
