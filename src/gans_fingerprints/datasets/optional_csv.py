"""A CSV table that may be absent (e.g. test ground truth, which only organisers hold)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
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
    so a malformed file (empty, no header, ragged rows, not UTF-8, a broken link) fails with its
    own name and line in one message rather than deep inside a later node.
    """

    def __init__(
        self, *, filepath: str, required_columns: list[str] | None = None, load_args: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        # Ids such as "NA" or "None" are ids, not missing values.
        load_args = {"keep_default_na": False, **(load_args or {})}
        super().__init__(filepath=filepath, load_args=load_args, **kwargs)
        self._required_columns = list(required_columns or [])

    def load(self) -> pd.DataFrame | None:  # type: ignore[override]
        local = Path(str(self._filepath)) if self._protocol == "file" else None
        if local is not None and local.is_symlink() and not local.exists():
            raise TableFileError(
                f"{self._filepath} is a link to {os.readlink(local)}, which does not exist (a broken link); "
                "fix the link, or remove it if there is no such table."
            )
        if not self._exists():
            return None
        header = ",".join(self._required_columns)
        try:
            ragged, blank = self._line_problems()
        except UnicodeDecodeError:
            raise TableFileError(f"{self._filepath} is not UTF-8 text; save it as a UTF-8 CSV file.") from None
        except (OSError, csv.Error) as error:
            raise TableFileError(f"Could not read {self._filepath} as CSV ({error}); fix or remove the file.") from None
        if ragged:
            raise TableFileError(
                f"{self._filepath}: line(s) {ragged[:10]} have another number of fields than the header line; "
                f"every line needs '{header}'."
            )
        if blank:
            raise TableFileError(
                f"{self._filepath}: line(s) {blank[:10]} lack a value for {self._required_columns}; every line needs '{header}'."
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
        table.attrs["source"] = str(self._filepath)
        return table

    def _line_problems(self) -> tuple[list[int], list[int]]:
        """Lines (1-based) with another number of fields than the header, and lines with a required field blank.

        pandas silently turns extra leading fields into an index and skips blank lines when
        numbering rows, so lines are counted here, on the text itself.
        """
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="r", newline="") as handle:
            rows = csv.reader(handle, delimiter=self._load_args.get("sep", ","))
            header = [name.strip() for name in next(rows, [])]
            required = [header.index(name) for name in self._required_columns if name in header]
            ragged, blank = [], []
            for row in rows:
                if not row:
                    continue
                if len(row) != len(header):
                    ragged.append(rows.line_num)
                elif any(not row[i].strip() for i in required):
                    blank.append(rows.line_num)
        return ragged, blank

    def save(self, data: pd.DataFrame) -> None:  # noqa: ARG002 - read-only: nothing is saved
        raise DatasetError(f"{type(self).__name__} is read-only")
