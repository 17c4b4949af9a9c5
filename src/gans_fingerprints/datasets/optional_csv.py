"""A CSV table that may be absent (e.g. test ground truth, which only organisers hold)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io import DatasetError
from kedro_datasets.pandas import CSVDataset


class OptionalCSVDataset(CSVDataset):
    """Loads ``None`` when the file does not exist, else the table with ``attrs["source"]`` set.

    ``required_columns`` are checked on load, so a malformed file fails with its own name in
    the message rather than deep inside a later node.
    """

    def __init__(self, *, filepath: str, required_columns: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(filepath=filepath, **kwargs)
        self._required_columns = list(required_columns or [])

    def load(self) -> pd.DataFrame | None:  # type: ignore[override]
        if not self._exists():
            return None
        try:
            table = super().load()
        except Exception as error:  # noqa: BLE001 - any parse failure becomes one clear message
            raise DatasetError(f"Could not read {self._filepath} as CSV ({error}); fix or remove the file.") from error
        missing = [column for column in self._required_columns if column not in table.columns]
        if missing:
            raise DatasetError(
                f"{self._filepath} lacks column(s) {missing}; expected a header line "
                f"'{','.join(self._required_columns)}'."
            )
        table.attrs["source"] = str(self._filepath)
        return table

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only")
